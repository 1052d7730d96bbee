/**
 * The protocols the gateway's TLS listeners (the gateway's and the admin listener's) offer in
 * ALPN. Never h2: the gateway speaks HTTP/1.1 (to the daemon too). dockerd's TLS listener
 * negotiates no protocol and so serves every ALPN offer, while Node refuses the handshake of a
 * client offering nothing in this list (Node's own default is `http/1.1` alone): HTTP/1.0 is
 * listed so that `curl --http1.0`, which offers only `http/1.0`, is served. A client offering
 * only h2 still fails, as it does on dockerd's listener once it speaks.
 */
export const HTTP1_ALPN_PROTOCOLS: readonly string[] = ['http/1.1', 'http/1.0'];
