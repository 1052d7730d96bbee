/**
 * Whether commit and import changes could set a gateway label, as dockerd's Dockerfile parser
 * reads them (src/tenancy/label-changes.ts). Each `true` row with a dockgate label was seen to
 * set `dockgate.owner` on dockerd 20.10 (rev-images F2).
 */
import { describe, expect, it } from 'vitest';
import { mayWriteReservedLabel, namesReservedLabel } from '../../../src/tenancy/label-changes.js';

describe('mayWriteReservedLabel', () => {
  it.each([
    ['plain LABEL key', ['LABEL dockgate.owner=carol'], true],
    ['old form (key value)', ['LABEL dockgate.owner carol'], true],
    ['quoted in pieces', ['LABEL "dockgate"."owner"=carol'], true],
    ['single quotes', ["LABEL 'dockgate.owner'=carol"], true],
    ['escaped', ['label dock\\gate\\.owner=carol'], true],
    ['other case', ['LABEL DockGate.Owner=carol'], true],
    ['variable from an ENV change', ['ENV X=dockgate', 'LABEL ${X}.owner=carol'], true],
    ['variable from the base config', ['LABEL $X.owner=carol'], true],
    ['any variable in a LABEL', ['LABEL version=$V'], true],
    ['a variable in ONBUILD LABEL', ['ONBUILD LABEL ${X}.owner=carol'], true],
    ['continuation into the next change', ['LABEL a=1 dock\\', 'gate.owner=carol'], true],
    ['a line break', ['ENV A=1\nLABEL b=2'], true],
    ['a directive or comment', ['# escape=`', 'LABEL a=1'], true],
    ['no changes', [], false],
    ['ENV and CMD', ['ENV A=1', 'CMD ["sh"]'], false],
    ['a LABEL naming other keys', ['LABEL version=2 "org.example"="x"'], false],
    ['a variable outside any LABEL', ['ENV A=$PATH', 'WORKDIR $HOME'], false],
    ['LABEL_ in a name is no LABEL', ['ENV LABEL_X=$Y'], false],
    // rev-day1 F3: a `$` counts in a LABEL (also under ONBUILD) or an instruction dockerd does
    // not know (failing closed), decided by the keyword as the parser reads it, not by the word
    // "label" anywhere in the text. These three were refused to root on dockerd 20.10.
    ['a $ in CMD with the word label in it', ['CMD ["sh","-c","exec app --label $NAME"]'], false],
    ['a $ in ENV with "--label" in a value', ['ENV OPTS="--label x" HOME2=$HOME'], false],
    ['a $ in WORKDIR with label in the path', ['WORKDIR /srv/label/$APP'], false],
    ['ONBUILD with another instruction', ['ONBUILD RUN echo label $X'], false],
    ['a BOM before the first change is dropped (bufio, first line only)', ['\ufeffCMD echo label $X'], false],
    ['the keyword in any case, after Go\'s TrimSpace (NBSP, tab)', ['\u00a0\tLaBeL\t$X.owner=carol'], true],
    ['onbuild label in lower case', ['onbuild label ${X}.owner='], true],
    ['ONBUILD LABEL after other space', ['ONBUILD\u000bLABEL $X.owner=carol'], true],
    ['ONBUILD with a flag before its instruction (unknown: fails closed)', ['ONBUILD --x LABEL $X.owner=carol'], true],
    ['ONBUILD with a variable for its instruction', ['ONBUILD $I $X.owner=carol'], true],
    ['an unknown keyword with a $ fails closed', ['LABELS $X.owner=carol'], true],
    ['a BOM before a later change makes an unknown keyword', ['CMD ["sh"]', '\ufeffCMD echo $X'], true],
    ['a variable keyword', ['$K ${X}.owner=carol'], true],
  ])('%s', (_name, changes, want) => {
    expect(mayWriteReservedLabel(changes)).toBe(want);
  });
});

describe('namesReservedLabel (the tenants\' refusal: their own LABEL comes last and sets both labels over any variable)', () => {
  it.each([
    ['LABEL "dock"gate.owner=carol', true],
    ['LABEL dockgate.x=1', true],
    ['LABEL ${X}.owner=carol', false],
    ['ENV A=1', false],
  ])('%j', (change, want) => {
    expect(namesReservedLabel(change)).toBe(want);
  });
});
