package filter

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// Errors of the SSL filter.
var (
	// ErrHandshake reports a failed TLS handshake; GetOne wraps the cause
	// (a *CertVerifyError, a *tls.AlertError, ...) with it.
	ErrHandshake = errors.New("filter: ssl handshake failed")
	// ErrSSL reports a TLS connection that failed after its handshake: a
	// record that does not decrypt, an alert from the peer, ...
	ErrSSL = errors.New("filter: ssl connection failed")
	// ErrSSLClosed reports the use of an SSL filter after Close.
	ErrSSLClosed = errors.New("filter: ssl filter closed")
	// ErrSSLOptions reports SSLOptions that NewSSL cannot use.
	ErrSSLOptions = errors.New("filter: invalid ssl options")
)

// DefaultSSLMaxBuffer is the SSLOptions.MaxBuffer used when it is zero.
const DefaultSSLMaxBuffer = 1 << 20

// SSLOptions configures NewSSL. Field names are POE::Filter::SSL's options;
// the zero value is its defaults (server mode, no client certificate).
type SSLOptions struct {
	// Client selects client mode; the default is server mode (client).
	Client bool

	// Crt is a PEM certificate file (crt): the server's certificate, or
	// the client certificate in client mode. It may hold the chain after
	// the leaf. CrtMem is the same in memory (crtmem).
	Crt    string
	CrtMem []byte
	// Key is the PEM private key of Crt (key); KeyMem in memory (keymem).
	Key    string
	KeyMem []byte

	// CACrt is a PEM file of one or more CA certificates (cacrt) that
	// peer certificates are verified against; in server mode their names
	// are also sent in the certificate request. CACrtMem is the same in
	// memory (cacrtmem), one or more PEM blobs.
	CACrt    string
	CACrtMem [][]byte
	// CAVerifyDepth is the most CA certificates allowed between the peer's
	// certificate and the trusted CA (caverifydepth); zero means 5.
	CAVerifyDepth int
	// Chain is a PEM file with the certificate followed by its
	// intermediates (chain), as made by "cat my.crt intermediate.crt >
	// chain.pem". ChainMem is the same in memory, which the original
	// lacked. With Crt too, Crt is the leaf and Chain adds intermediates.
	Chain    string
	ChainMem []byte
	// CACRL is a CRL file (cacrl), PEM (one or more "X509 CRL" blocks) or
	// DER; CACRLMem the same in memory. Peer certificates on it are
	// invalid. Each CRL must be signed by the CA that issued the
	// certificate it is checked for, and be within thisUpdate/nextUpdate.
	CACRL    string
	CACRLMem []byte
	// DHCert is a Diffie-Hellman parameter file (dhcert), DHCertMem the
	// same in memory (dhcertmem). They are read and checked to be "DH
	// PARAMETERS" PEM, then unused: crypto/tls does forward secrecy with
	// ECDHE and has no finite-field DHE.
	DHCert    string
	DHCertMem []byte

	// ClientCert makes a server ask the client for a certificate
	// (clientcert). A missing or invalid one does not fail the
	// handshake unless BlockBadClientCert is set: ask ClientCertValid.
	ClientCert bool
	// BlockBadClientCert makes a server fail the handshake when the
	// client sends no certificate, or one that does not verify against
	// CACrt, or one on the CRL (blockbadclientcert). It implies
	// ClientCert.
	BlockBadClientCert bool

	// SNI is the server name a client sends (sni).
	SNI string
	// TLS is accepted for the original's tls option; TLS is always used.
	TLS bool
	// TLS12 restricts the connection to TLS 1.2 (tls1_2). Otherwise TLS
	// 1.2 and 1.3 are allowed; older versions never are.
	TLS12 bool
	// NoHonor is accepted for the original's nohonor option and changes
	// nothing: crypto/tls ignores cipher order settings and picks the
	// suite itself (its own preference, AES-GCM first with AES hardware,
	// ChaCha20 first when the client prefers it and lacks it).
	NoHonor bool
	// Cipher is an OpenSSL cipher list (cipher) such as
	// "ECDHE-RSA-AES256-GCM-SHA384:AES256-SHA" or "HIGH:!RC4". It is
	// mapped to the TLS 1.2 suites crypto/tls implements; names it lacks
	// (DHE-*, CAMELLIA, ...) are skipped, and a list with none left is an
	// error. As with OpenSSL's cipher list, it does not touch TLS 1.3
	// suites, which crypto/tls does not let anyone choose.
	Cipher string
	// IgnoreVerifyErrors lists OpenSSL X509_V_ERR_* codes that do not
	// make a peer certificate invalid (ignoreVerifyErrors), such as 9
	// (not yet valid) and 10 (expired). See CertVerifyError.
	IgnoreVerifyErrors []int

	// ErrorHandler, if set, is called with each error GetOne or Put
	// returns, once, from the caller's goroutine (errorhandler). The
	// error is returned all the same.
	ErrorHandler func(error)
	// Debug prints handshake and CRL details to DebugOutput (debug).
	Debug bool
	// DebugOutput receives Debug's lines; nil means os.Stderr.
	DebugOutput io.Writer

	// MaxBuffer bounds both the ciphertext buffered and not yet decoded
	// and the plaintext Put queues before the handshake; zero means
	// DefaultSSLMaxBuffer. It should not be below 18437 bytes, the
	// largest TLS record.
	MaxBuffer int

	// Config, if set, is the base tls.Config (cloned, never modified).
	// The options above that are set override its fields; its
	// Certificates, GetCertificate, RootCAs and ClientCAs serve when
	// Crt, CACrt and friends are empty. The filter always does its own
	// peer verification (so that ClientCertValid and friends work) and
	// then calls Config.VerifyConnection if set.
	Config *tls.Config
	// CurvePreferences sets the key exchange groups, in order (for
	// example to pin X25519 in a benchmark).
	CurvePreferences []tls.CurveID
}

func (o SSLOptions) withDefaults() SSLOptions {
	if o.CAVerifyDepth == 0 {
		o.CAVerifyDepth = 5
	}
	if o.MaxBuffer <= 0 {
		o.MaxBuffer = DefaultSSLMaxBuffer
	}
	if o.DebugOutput == nil {
		o.DebugOutput = os.Stderr
	}
	if o.BlockBadClientCert {
		o.ClientCert = true
	}
	o.IgnoreVerifyErrors = append([]int(nil), o.IgnoreVerifyErrors...)
	o.CACrtMem = append([][]byte(nil), o.CACrtMem...)
	o.CurvePreferences = append([]tls.CurveID(nil), o.CurvePreferences...)
	return o
}

// sslShared is what NewSSL builds once and every Clone shares; it is
// never modified after NewSSL.
type sslShared struct {
	opts   SSLOptions
	base   *tls.Config
	verify sslVerifier
	// mustVerify: a failed peer verification fails the handshake.
	mustVerify bool
}

// SSL is POE::Filter::SSL: a TLS endpoint as a filter. GetOneStart takes
// ciphertext from the wire and GetOne returns plaintext ([]byte, one TLS
// record's worth per call); Put takes plaintext records ([]byte or string)
// and returns ciphertext. Handshake bytes the filter must send while
// decoding come out of TakeOutput (the Sender interface), which ReadWrite
// and Stackable call after GetOneStart and GetOne. Plaintext Put before the
// handshake completes is queued and sent when it does. It is built on
// crypto/tls; TLS 1.2 is the lowest version it speaks.
//
// Like every filter, an SSL is used by one goroutine at a time (its
// session's); the methods that report on the connection may be called from
// that goroutine at any time.
//
// # The coroutine
//
// crypto/tls can only run a handshake over a net.Conn whose Read waits
// for input. So, as the one exception to "filters are pure codecs", an
// SSL runs the handshake of a tls.Conn over an in-memory conn in a
// coroutine (iter.Pull, a goroutine that runs only while the filter's
// caller waits for it), for as long as the handshake lasts. It starts on
// first use (GetOne, Put, or TakeOutput in client mode); each call that
// hands it input runs it until it wants more input, or until the
// handshake succeeds or fails and it returns. So results depend only on
// the input, never on scheduling, and no second goroutine runs beside the
// caller. Close ends it if it still waits. After the handshake, GetOne
// decrypts and Put encrypts on the caller's goroutine. An SSL dropped
// mid-handshake without Close has its coroutine ended by a runtime
// cleanup when it is garbage collected, but owners should Close it.
//
// A client speaks first: its ClientHello is produced by the first Put or
// TakeOutput, so a wheel that installs a client SSL filter should call
// TakeOutput once at once if the program does not Put first.
//
// # Usage
//
//	ssl, err := filter.NewSSL(filter.SSLOptions{Crt: "server.crt", Key: "server.key"})
//	...
//	ssl.GetOneStart([][]byte{fromWire})
//	send(ssl.TakeOutput())            // handshake bytes, if any
//	for {
//		rec, err := ssl.GetOne()      // plaintext, or nothing yet
//		if err != nil || len(rec) == 0 { break }
//		out, _ := ssl.Put([]any{"You sent: " + string(rec[0].([]byte))})
//		send(out)
//	}
//	send(ssl.TakeOutput())
//	ssl.Close(); send(ssl.TakeOutput()) // close_notify
//
// # Differences from POE::Filter::SSL
//
//   - It is built on crypto/tls, not OpenSSL: TLS 1.2 and 1.3 only; the
//     Cipher list maps to what crypto/tls implements (no DHE, so DHCert is
//     accepted and unused); NoHonor and TLS change nothing (see their
//     fields). It does not patch ReadWrite or Stackable: handshake bytes
//     go out through the Sender interface instead of DOSENDBACK records.
//   - Bugs fixed: cacrl was never stored, so no CRL was ever checked; it
//     is now, with the CRL's signature and dates verified. An empty CRL no
//     longer blocks every certificate. The verify callback accepted every
//     certificate, so blockbadclientcert only refused a missing one; now
//     an untrusted, expired or revoked one fails the handshake too, and
//     ClientCertValid is false for them. Close sends close_notify.
//     get_pending returned nothing; GetPending returns the plaintext not
//     yet returned, then the raw bytes TLS has not consumed (those after
//     the peer's close_notify belong to whatever protocol follows).
//   - Errors are returned by GetOne and Put (wrapping ErrHandshake or
//     ErrSSL) instead of being carped and then ignored; ErrorHandler is a
//     func(error) that also sees them. The "ignore", "carp", "confess"
//     and "carponetime" modes are gone: the caller decides.
//   - A client with CACrt verifies the server's certificate and fails the
//     handshake if it does not verify (the original never verified the
//     server). Without CACrt, as in the original, it verifies nothing.
//     Host names are never checked; a Config.VerifyConnection can.
//   - ClientCertIDs lists the chain leaf first (OpenSSL's callback order
//     was root first); Serial is the raw serial bytes as before, and each
//     CertID carries its X509_V_ERR code. In client mode the ClientCert
//     methods describe the server's certificate (the original did so only
//     with clientcert set). A client sends its Crt whatever CA names the
//     server asks for, as OpenSSL does.
//   - IgnoreVerifyErrors codes come from mapping crypto/x509's errors to
//     OpenSSL's (9, 10, 18, 19, 20, 22, 23, 24, 26, and 3, 8, 11, 12 for
//     CRLs); rarer OpenSSL codes have no counterpart.
//   - ClientCertNotOnCRL checks against CACRL; ClientCertNotOnCRLFile
//     takes a file as the original's clientCertNotOnCRL($file) did.
//   - HandshakeDone has no ignorebuf option: HandshakeDone is its
//     default form, HandshakeComplete the ignorebuf one.
//   - Debug prints a line when the handshake completes and the chain
//     when a CRL is checked, to DebugOutput (standard error by default)
//     rather than OpenSSL's traces to standard output.
//   - Input and queued output are bounded by MaxBuffer (ErrTooLong).
type SSL struct {
	sh *sslShared
	e  *sslEngine // nil until started

	pending    [][]byte // GetOneStart input not yet handed to the engine
	pendingLen int
	overflow   bool
	queue      [][]byte // plaintext Put before the handshake completed
	queueLen   int

	closed  bool
	failed  error // the error already returned; sticky
	said    bool  // Debug has reported the handshake
	sent    int   // plaintext bytes encrypted, for sizing output buffers
	cleanup runtime.Cleanup
}

// NewSSL returns a filter configured by opts; it reads and checks every
// file and PEM blob now, so that a bad option fails here rather than at
// the first connection. Any goroutine may call it.
func NewSSL(opts SSLOptions) (*SSL, error) {
	o := opts.withDefaults()
	sh := &sslShared{opts: o}
	var cfg *tls.Config
	if o.Config != nil {
		cfg = o.Config.Clone()
	} else {
		cfg = &tls.Config{}
	}

	load := func(file string, mem []byte, what string) ([]byte, error) {
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrSSLOptions, what, err)
			}
			return b, nil
		}
		return mem, nil
	}

	// Certificate and key: crt/crtmem, key/keymem, chain.
	crt, err := load(o.Crt, o.CrtMem, "crt")
	if err != nil {
		return nil, err
	}
	key, err := load(o.Key, o.KeyMem, "key")
	if err != nil {
		return nil, err
	}
	chain, err := load(o.Chain, o.ChainMem, "chain")
	if err != nil {
		return nil, err
	}
	if len(crt) > 0 || len(chain) > 0 || len(key) > 0 {
		if len(key) == 0 {
			return nil, fmt.Errorf("%w: a certificate needs key or keymem", ErrSSLOptions)
		}
		certPEM := crt
		if len(crt) == 0 {
			certPEM = chain
		}
		if len(certPEM) == 0 {
			return nil, fmt.Errorf("%w: a key needs crt, crtmem or chain", ErrSSLOptions)
		}
		pair, err := tls.X509KeyPair(certPEM, key)
		if err != nil {
			return nil, fmt.Errorf("%w: crt/key: %w", ErrSSLOptions, err)
		}
		if len(crt) > 0 && len(chain) > 0 {
			extra, err := parseCerts(chain)
			if err != nil {
				return nil, fmt.Errorf("%w: chain: %w", ErrSSLOptions, err)
			}
			for _, c := range extra {
				if !c.Equal(pair.Leaf) {
					pair.Certificate = append(pair.Certificate, c.Raw)
				}
			}
		}
		cfg.Certificates = []tls.Certificate{pair}
		if o.Client {
			// OpenSSL sends the configured certificate whatever CAs the
			// server names; crypto/tls would send none if its issuer is
			// not among them, hiding a self-signed or foreign certificate
			// from ClientCertExists.
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return &pair, nil
			}
		}
	}
	if !o.Client && len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, fmt.Errorf("%w: server mode needs crt and key", ErrSSLOptions)
	}

	// Trusted CAs: cacrt/cacrtmem.
	var caPEM [][]byte
	if o.CACrt != "" {
		b, err := load(o.CACrt, nil, "cacrt")
		if err != nil {
			return nil, err
		}
		caPEM = append(caPEM, b)
	}
	caPEM = append(caPEM, o.CACrtMem...)
	v := &sh.verify
	if len(caPEM) > 0 {
		v.roots = x509.NewCertPool()
		for _, b := range caPEM {
			cs, err := parseCerts(b)
			if err != nil {
				return nil, fmt.Errorf("%w: cacrt: %w", ErrSSLOptions, err)
			}
			for _, c := range cs {
				v.roots.AddCert(c)
				v.rootCerts = append(v.rootCerts, c)
			}
		}
	} else if o.Client {
		v.roots = cfg.RootCAs
	} else {
		v.roots = cfg.ClientCAs
	}
	v.depth = o.CAVerifyDepth
	v.usage = x509.ExtKeyUsageClientAuth
	if o.Client {
		v.usage = x509.ExtKeyUsageServerAuth
	}
	v.ignore = make(map[int]bool)
	for _, c := range o.IgnoreVerifyErrors {
		v.ignore[c] = true
	}

	// CRL: cacrl/cacrlmem.
	crlData, err := load(o.CACRL, o.CACRLMem, "cacrl")
	if err != nil {
		return nil, err
	}
	if o.CACRL != "" || len(o.CACRLMem) > 0 {
		if v.crls, err = parseCRLs(crlData, v.rootCerts); err != nil {
			return nil, err
		}
	}

	// DH parameters: checked, unused.
	dh, err := load(o.DHCert, o.DHCertMem, "dhcert")
	if err != nil {
		return nil, err
	}
	if len(dh) > 0 {
		if b, _ := pem.Decode(dh); b == nil || (b.Type != "DH PARAMETERS" && b.Type != "X9.42 DH PARAMETERS") {
			return nil, fmt.Errorf("%w: dhcert holds no DH PARAMETERS", ErrSSLOptions)
		}
	}

	if o.Cipher != "" {
		ids := parseSSLCipherList(o.Cipher)
		if ids == nil {
			return nil, fmt.Errorf("%w: cipher %q: no cipher crypto/tls supports", ErrSSLOptions, o.Cipher)
		}
		cfg.CipherSuites = ids
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if o.TLS12 {
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	}
	if len(o.CurvePreferences) > 0 {
		cfg.CurvePreferences = o.CurvePreferences
	}
	if o.Client {
		if o.SNI != "" {
			cfg.ServerName = o.SNI
		}
		// The filter verifies the server itself (verifyConnection), so
		// that an untrusted server is reported like an untrusted client.
		cfg.InsecureSkipVerify = true
		sh.mustVerify = v.roots != nil
	} else {
		if v.roots != nil {
			cfg.ClientCAs = v.roots // names sent in the CertificateRequest
		}
		switch {
		case o.BlockBadClientCert:
			cfg.ClientAuth = tls.RequireAnyClientCert
			sh.mustVerify = true
		case o.ClientCert:
			cfg.ClientAuth = tls.RequestClientCert
		default:
			cfg.ClientAuth = tls.NoClientCert
		}
	}
	sh.base = cfg
	return &SSL{sh: sh}, nil
}

func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

// parseCRLs reads PEM "X509 CRL" blocks, or one DER CRL, and checks each
// one's signature against the CA that issued it when that CA is among
// cas (a CRL from an intermediate is checked when the chain shows it).
func parseCRLs(b []byte, cas []*x509.Certificate) ([]*x509.RevocationList, error) {
	var ders [][]byte
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == "X509 CRL" {
			ders = append(ders, blk.Bytes)
		}
	}
	if len(ders) == 0 {
		ders = [][]byte{b}
	}
	var out []*x509.RevocationList
	for _, der := range ders {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("%w: cacrl: %w", ErrSSLOptions, err)
		}
		for _, ca := range cas {
			if string(ca.RawSubject) == string(crl.RawIssuer) {
				if err := crl.CheckSignatureFrom(ca); err != nil {
					return nil, fmt.Errorf("%w: cacrl: not signed by its CA: %w", ErrSSLOptions, err)
				}
			}
		}
		out = append(out, crl)
	}
	return out, nil
}

// start creates the engine and its handshake coroutine.
func (s *SSL) start() {
	e := newSSLEngine()
	sh := s.sh
	cfg := sh.base.Clone()
	userVerify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		p := sh.verify.verify(cs.PeerCertificates, time.Now())
		e.mu.Lock()
		e.peer = p
		e.mu.Unlock()
		if sh.mustVerify {
			if err := p.verifyError(); err != nil {
				return err
			}
		}
		if userVerify != nil {
			return userVerify(cs)
		}
		return nil
	}
	mc := sslMemConn{e: e}
	if sh.opts.Client {
		e.conn = tls.Client(mc, cfg)
	} else {
		e.conn = tls.Server(mc, cfg)
	}
	e.begin()
	s.e = e
	s.cleanup = runtime.AddCleanup(s, (*sslEngine).end, e)
}

func (s *SSL) debugf(format string, args ...any) {
	if s.sh.opts.Debug {
		fmt.Fprintf(s.sh.opts.DebugOutput, "POE::Filter::SSL: "+format+"\n", args...)
	}
}

// fail records err as the filter's terminal error and reports it once.
func (s *SSL) fail(err error) error {
	if s.failed == nil {
		s.failed = err
		s.debugf("%v", err)
		if h := s.sh.opts.ErrorHandler; h != nil {
			h(err)
		}
	}
	return s.failed
}

// settle runs after the engine is quiescent: it sends the queued
// plaintext once the handshake is done, and turns an engine failure into
// the filter's error. It returns that error (nil if none).
func (s *SSL) settle() error {
	e := s.e
	e.mu.Lock()
	hsDone, exited, hsFailed, err := e.hsDone, e.exited, e.hsFailed, e.err
	e.mu.Unlock()
	if hsFailed {
		return s.fail(fmt.Errorf("%w: %w", ErrHandshake, err))
	}
	if exited && err != io.EOF && !s.closed {
		return s.fail(fmt.Errorf("%w: %w", ErrSSL, err))
	}
	if hsDone && !s.said {
		s.said = true
		if s.sh.opts.Debug {
			st, _ := s.ConnectionState()
			s.debugf("handshake done: %s %s", tls.VersionName(st.Version), sslCipherName(st.CipherSuite))
		}
	}
	if hsDone && len(s.queue) > 0 {
		q := make([]any, len(s.queue))
		for i, p := range s.queue {
			q[i] = p
		}
		total := s.queueLen
		s.queue, s.queueLen = nil, 0
		if err := s.write(q, total); err != nil {
			return err
		}
	}
	return nil
}

// GetOneStart buffers ciphertext from the wire (copied). Past MaxBuffer
// bytes not yet decoded (counting an unfinished record), it drops the
// input and GetOne reports ErrTooLong.
func (s *SSL) GetOneStart(chunks [][]byte) {
	if s.overflow {
		return
	}
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	if total == 0 {
		return
	}
	if s.e != nil {
		// The handshake coroutine, if any, is suspended: it does not
		// look at in until GetOne feeds it.
		e := s.e
		e.mu.Lock()
		if len(e.in)+total > s.sh.opts.MaxBuffer {
			s.overflow = true
		} else {
			e.appendInLocked(chunks, total)
		}
		e.mu.Unlock()
		return
	}
	if s.pendingLen+total > s.sh.opts.MaxBuffer {
		s.overflow = true
		s.pending, s.pendingLen = nil, 0
		return
	}
	// A copy, even of one chunk: the caller may reuse its buffers.
	s.pending = append(s.pending, bytes.Join(chunks, nil))
	s.pendingLen += total
}

// GetOne returns the plaintext of the next TLS record as a one-element
// []any holding a []byte, or no element when more input is needed. It
// runs the handshake as input arrives; call TakeOutput afterwards to get
// what must be sent back. Once the peer has sent close_notify it returns
// nothing, and later input stays raw for GetPending. A failed handshake
// returns an error wrapping ErrHandshake (after the alert, if any, is
// ready for TakeOutput); a failed connection, ErrSSL.
func (s *SSL) GetOne() ([]any, error) {
	if s.closed {
		return nil, ErrSSLClosed
	}
	if rec := s.popPlain(); rec != nil {
		return []any{rec}, nil
	}
	if s.failed != nil {
		return nil, s.failed
	}
	if s.overflow {
		return nil, s.fail(fmt.Errorf("%w: ssl: more than %d bytes buffered", ErrTooLong, s.sh.opts.MaxBuffer))
	}
	if s.e == nil {
		if len(s.pending) == 0 {
			return nil, nil
		}
		s.start()
	}
	p := s.pending
	s.pending, s.pendingLen = nil, 0
	s.e.feed(p)
	s.e.decrypt()
	s.e.releaseIn()
	if err := s.settle(); err != nil {
		if rec := s.popPlain(); rec != nil {
			return []any{rec}, nil
		}
		return nil, err
	}
	if rec := s.popPlain(); rec != nil {
		return []any{rec}, nil
	}
	return nil, nil
}

func (s *SSL) popPlain() []byte {
	if s.e == nil {
		return nil
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	e := s.e
	if e.plainHead == len(e.plain) {
		return nil
	}
	rec := e.plain[e.plainHead]
	e.plain[e.plainHead] = nil
	e.plainHead++
	if e.plainHead == len(e.plain) {
		e.plain, e.plainHead = e.plain[:0], 0
	}
	return rec
}

// Put encrypts records ([]byte or string) and returns the ciphertext,
// preceded by any handshake bytes not yet taken with TakeOutput. Before
// the handshake completes it queues the plaintext (up to MaxBuffer bytes)
// and, in client mode, starts the handshake: the ClientHello is returned.
// Empty records are skipped.
func (s *SSL) Put(records []any) ([][]byte, error) {
	if s.closed {
		return nil, ErrSSLClosed
	}
	if s.failed != nil {
		return s.output(), s.failed
	}
	total := 0
	for _, r := range records {
		switch v := r.(type) {
		case []byte:
			total += len(v)
		case string:
			total += len(v)
		default:
			return nil, fmt.Errorf("%w: ssl: %T, want []byte or string", ErrRecordType, r)
		}
	}
	if s.e == nil && s.sh.opts.Client {
		s.start()
		s.e.feed(nil)
	}
	if s.e != nil {
		if err := s.settle(); err != nil {
			return s.output(), err
		}
	}
	if s.e != nil && s.handshakeComplete() {
		if err := s.write(records, total); err != nil {
			return s.output(), err
		}
		return s.output(), nil
	}
	for _, r := range records {
		var b []byte
		switch v := r.(type) {
		case []byte:
			b = append([]byte(nil), v...)
		case string:
			b = []byte(v)
		}
		if len(b) == 0 {
			continue
		}
		if s.queueLen+len(b) > s.sh.opts.MaxBuffer {
			return s.output(), fmt.Errorf("%w: ssl: more than %d bytes queued before the handshake", ErrTooLong, s.sh.opts.MaxBuffer)
		}
		s.queue = append(s.queue, b)
		s.queueLen += len(b)
	}
	return s.output(), nil
}

// write encrypts records ([]byte or string, total bytes in all) once the
// handshake is complete, each into one TLS record or more. It tells the
// engine how much output to expect first, so that short records share
// one output buffer (see sslMemConn.Write).
func (s *SSL) write(records []any, total int) error {
	if total == 0 {
		return nil
	}
	// crypto/tls starts a connection with small records and switches to
	// full ones after 128 KiB (its dynamic record sizing).
	per := tlsSmallRecord
	if s.sent >= 128<<10 {
		per = tlsMaxPlaintext
	}
	s.e.reserveOut(total + (total/per+len(records))*tlsMaxOverhead)
	s.sent += total
	for _, r := range records {
		var err error
		switch v := r.(type) {
		case []byte:
			if len(v) > 0 {
				_, err = s.e.conn.Write(v)
			}
		case string:
			if v != "" {
				_, err = s.e.conn.Write([]byte(v))
			}
		}
		if err != nil {
			return s.fail(fmt.Errorf("%w: %w", ErrSSL, err))
		}
	}
	return nil
}

func (s *SSL) output() [][]byte {
	if s.e == nil {
		return nil
	}
	return s.e.takeOut()
}

// TakeOutput returns the ciphertext the filter must send now (handshake
// messages, alerts, queued data sent when the handshake completed,
// close_notify after Close) and forgets it. In client mode its first call
// starts the handshake and returns the ClientHello. It implements Sender.
func (s *SSL) TakeOutput() [][]byte {
	if s.e == nil && s.sh.opts.Client && !s.closed {
		s.start()
		s.e.feed(nil)
		s.settle()
	}
	return s.output()
}

// GetPending returns and forgets what was buffered but not returned: the
// plaintext of records already decrypted, then the raw bytes TLS has not
// consumed (an unfinished record, or whatever followed the peer's
// close_notify), then input not yet looked at. It returns nil if there is
// none.
func (s *SSL) GetPending() [][]byte {
	var out [][]byte
	if s.e != nil {
		e := s.e
		e.mu.Lock()
		out = append(out, e.plain[e.plainHead:]...)
		e.plain, e.plainHead = nil, 0
		// Only a quiescent engine's in is well defined; between calls it
		// always is.
		if len(e.in) > 0 {
			// The caller owns what it gets: the buffer is not reused.
			out = append(out, e.takeInLocked())
		}
		e.mu.Unlock()
	}
	out = append(out, s.pending...)
	s.pending, s.pendingLen = nil, 0
	if len(out) == 0 {
		return nil
	}
	return out
}

// Clone returns a new, unstarted SSL filter with the same options (the
// original's clone) and nothing buffered.
func (s *SSL) Clone() Filter {
	return &SSL{sh: s.sh}
}

// Close sends close_notify if the handshake completed (take it with
// TakeOutput) and ends the handshake coroutine if it still waits for
// input. Later GetOne and Put return ErrSSLClosed.
// Closing twice is harmless.
func (s *SSL) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.queue, s.pending = nil, nil
	if s.e == nil {
		return nil
	}
	// tls.Conn.Close writes close_notify when the handshake is complete,
	// then closes the in-memory conn; end lets a handshake still waiting
	// for input fail and return. Close's error only says the alert could
	// not be sent on a connection that had already failed.
	_ = s.e.conn.Close()
	s.e.end()
	s.e.releaseIn()
	s.cleanup.Stop()
	return nil
}

// handshakeComplete reports whether TLS finished the handshake
// (the original's handshakeDone(ignorebuf => 1)).
func (s *SSL) handshakeComplete() bool {
	if s.e == nil {
		return false
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.e.hsDone && !s.e.hsFailed
}

// HandshakeComplete reports whether the TLS handshake has completed,
// whether or not its last bytes were taken with TakeOutput (the
// original's handshakeDone(ignorebuf => 1)).
func (s *SSL) HandshakeComplete() bool { return s.handshakeComplete() }

// HandshakeDone reports whether the handshake has completed and
// everything it produced has been sent: no queued plaintext and nothing
// left for TakeOutput (the original's handshakeDone).
func (s *SSL) HandshakeDone() bool {
	if !s.handshakeComplete() || len(s.queue) > 0 {
		return false
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return len(s.e.out) == 0
}

// PeerClosed reports whether the peer has sent close_notify.
func (s *SSL) PeerClosed() bool {
	if s.e == nil {
		return false
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.e.exited && s.e.err == io.EOF
}

func (s *SSL) peer() *sslPeer {
	if s.e == nil {
		return nil
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.e.peer
}

// ClientCertExists reports whether the peer sent a certificate, trusted
// or not (clientCertExists).
func (s *SSL) ClientCertExists() bool {
	p := s.peer()
	return p != nil && p.exists
}

// ClientCertValid reports whether the peer sent a certificate that
// verifies against CACrt within CAVerifyDepth, is within its dates, has a
// suitable key usage and, with CACRL, is not revoked by a valid CRL; the
// codes in IgnoreVerifyErrors are overlooked (clientCertValid).
func (s *SSL) ClientCertValid() bool {
	p := s.peer()
	return p != nil && p.exists && p.valid
}

// ClientCertIDs returns the peer's certificate chain, leaf first: the
// verified chain up to the trusted CA, or the certificates as sent if it
// did not verify. It returns nil without a certificate (clientCertIds).
func (s *SSL) ClientCertIDs() []CertID {
	p := s.peer()
	if p == nil {
		return nil
	}
	return append([]CertID(nil), p.ids...)
}

// ClientCertNotOnCRL reports whether the peer sent a certificate and the
// CRLs of CACRL were valid and list none of its chain. Without CACRL
// nothing was checked and it returns false.
func (s *SSL) ClientCertNotOnCRL() bool {
	p := s.peer()
	ok := p != nil && p.exists && p.notOnCRL
	s.debugCRL(p, "cacrl")
	return ok
}

// ClientCertNotOnCRLFile checks the peer's chain against the CRLs in
// file, read now (the original's clientCertNotOnCRL($file)). It returns
// false with an error when the file cannot be read or parsed, and false
// when no certificate was sent, a CRL is invalid, or one lists the chain.
func (s *SSL) ClientCertNotOnCRLFile(file string) (bool, error) {
	p := s.peer()
	if p == nil || !p.exists {
		return false, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrSSLOptions, err)
	}
	crls, err := parseCRLs(b, s.sh.verify.rootCerts)
	if err != nil {
		return false, err
	}
	s.debugCRL(p, file)
	for _, code := range s.sh.verify.checkCRL(p.chain, crls, time.Now()) {
		if code != x509VOK && (code == x509VCertRevoked || !s.sh.verify.ignore[code]) {
			return false, nil
		}
	}
	return true, nil
}

// debugCRL prints the chain as the original's clientCertNotOnCRL did
// with debug set.
func (s *SSL) debugCRL(p *sslPeer, from string) {
	if !s.sh.opts.Debug || p == nil {
		return
	}
	w := s.sh.opts.DebugOutput
	fmt.Fprintf(w, "----- SSL Infos BEGIN (%s) ---------------\n", from)
	for i, id := range p.ids {
		ind := ""
		for range i {
			ind += "  "
		}
		if i > 0 {
			fmt.Fprintf(w, " %s  |---[ Subcertificate ]---\n", ind)
		}
		status := "VALID"
		if id.Error != 0 {
			status = fmt.Sprintf("INVALID (%d)", id.Error)
		}
		fmt.Fprintf(w, " %s  | Subject Name: %s\n", ind, id.Subject)
		fmt.Fprintf(w, " %s  | Issuer Name : %s\n", ind, id.Issuer)
		fmt.Fprintf(w, " %s  | Serial      : %s\n", ind, s.Hexdump(id.Serial))
		fmt.Fprintf(w, " %s  | Status      : %s\n", ind, status)
	}
	fmt.Fprintln(w, "----- SSL Infos END -----------------")
}

// Cipher returns the negotiated cipher suite under OpenSSL's name
// ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"), or "" before
// the handshake completes (getCipher).
func (s *SSL) Cipher() string {
	st, ok := s.ConnectionState()
	if !ok {
		return ""
	}
	return sslCipherName(st.CipherSuite)
}

// ConnectionState returns crypto/tls's view of the connection (version,
// suite, server name, peer certificates) and true once the handshake has
// completed; before that, false.
func (s *SSL) ConnectionState() (tls.ConnectionState, bool) {
	if s.e == nil {
		return tls.ConnectionState{}, false
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	if !s.e.hsDone {
		return tls.ConnectionState{}, false
	}
	return s.e.state, true
}

var (
	_ Filter = (*SSL)(nil)
	_ Sender = (*SSL)(nil)
)
