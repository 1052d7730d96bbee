import { describe, expect, it } from 'vitest';
import { changeInstructions } from '../../../src/facts/change-instructions.js';

const SECRET = 'hunter2-SECRET';

describe('changeInstructions: the instructions dockerd parses from changes joined by newlines', () => {
  it.each<[string, string[], string[]]>([
    ['none', [], []],
    ['one per change, any case', ['env A=1', 'Label x=y', 'CMD ["sh"]'], ['ENV', 'LABEL', 'CMD']],
    ['a newline inside a change', [`ENV A=${SECRET}\nLABEL a=b`], ['ENV', 'LABEL']],
    ['CRLF', ['ENV A=1\r\nUSER 0'], ['ENV', 'USER']],
    // Only a \r right before the newline goes (bufio.ScanLines' dropCR): one inside a line stays,
    // and the line's last character with it, so no continuation is made up (mutation review s29).
    ['a carriage return inside a line', ['ENV A=1\r\\a', 'USER 0'], ['ENV', 'USER']],
    ['a continuation joins the next change', [`ENV A=${SECRET} \\`, 'LABEL a=b'], ['ENV']],
    ['a continuation over a comment and a blank line', ['ENV A=1 \\', '# c', '   ', 'B=2', 'USER 0'], ['ENV', 'USER']],
    // A # inside a line starts no comment (buildkit's reComment is ^# after leading space): the
    // continued line is joined, and the USER after it is still seen (mutation review s29).
    ['a # inside a continued line is no comment', ['ENV A=1 \\', 'B=#2', 'USER 0'], ['ENV', 'USER']],
    ['a # inside an instruction is no comment', ['ENV A=#1', 'USER 0'], ['ENV', 'USER']],
    ['comments and blank lines are no instructions', ['# LABEL a=b', '', '   ', '  # x'], []],
    ['an escape directive first makes ` the continuation', ['# escape=`', 'ENV A=1 `', 'LABEL a=b', 'USER 0 \\'], ['ENV', 'USER']],
    ['an escape directive after an instruction is a comment', ['ENV A=1', '# escape=`', 'USER 0 `', 'LABEL a=b'], ['ENV', 'USER', 'LABEL']],
    ['leading spaces and tabs', ['  \tWORKDIR /x'], ['WORKDIR']],
    ['Go lower-cases the Kelvin sign and dotted I to ASCII', ['WOR\u212aDIR /x', 'ENTRYPO\u0130NT ["x"]'], ['WORKDIR', 'ENTRYPOINT']],
    ['non-ASCII space does not split the keyword', [`ENV\u00a0A=${SECRET}`], ['(unknown)']],
    ['text that is no instruction is never returned', [SECRET, `${SECRET} ENV`], ['(unknown)', '(unknown)']],
    ['a byte-order mark on the first line', ['\ufeffENV A=1'], ['ENV']],
    ['a trailing continuation at the end', ['ENV A=1 \\'], ['ENV']],
  ])('%s', (_name, changes, want) => {
    const got = changeInstructions(changes);
    expect(got).toEqual(want);
    expect(got.join()).not.toContain(SECRET);
  });
});
