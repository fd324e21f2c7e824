package filter

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OpenSSL's X509_V_ERR_* codes, the numbers IgnoreVerifyErrors lists and
// CertID.Error reports (see verify(1ssl)).
const (
	x509VOK                       = 0
	x509VUnspecified              = 1
	x509VUnableToGetCRL           = 3
	x509VCertSignatureFailure     = 7
	x509VCRLSignatureFailure      = 8
	x509VCertNotYetValid          = 9
	x509VCertHasExpired           = 10
	x509VCRLNotYetValid           = 11
	x509VCRLHasExpired            = 12
	x509VDepthZeroSelfSigned      = 18
	x509VSelfSignedCertInChain    = 19
	x509VUnableToGetIssuerLocally = 20
	x509VCertChainTooLong         = 22
	x509VCertRevoked              = 23
	x509VInvalidCA                = 24
	x509VInvalidPurpose           = 26
	x509VNoPeerCertificate        = 1000 // not OpenSSL's: no certificate at all
)

var x509VText = map[int]string{
	x509VUnspecified:              "unspecified certificate verification error",
	x509VUnableToGetCRL:           "unable to get certificate CRL",
	x509VCertSignatureFailure:     "certificate signature failure",
	x509VCRLSignatureFailure:      "CRL signature failure",
	x509VCertNotYetValid:          "certificate is not yet valid",
	x509VCertHasExpired:           "certificate has expired",
	x509VCRLNotYetValid:           "CRL is not yet valid",
	x509VCRLHasExpired:            "CRL has expired",
	x509VDepthZeroSelfSigned:      "self-signed certificate",
	x509VSelfSignedCertInChain:    "self-signed certificate in certificate chain",
	x509VUnableToGetIssuerLocally: "unable to get local issuer certificate",
	x509VCertChainTooLong:         "certificate chain too long",
	x509VCertRevoked:              "certificate revoked",
	x509VInvalidCA:                "invalid CA certificate",
	x509VInvalidPurpose:           "unsupported certificate purpose",
	x509VNoPeerCertificate:        "peer did not return a certificate",
}

// CertVerifyError is the error a peer certificate that fails verification
// produces. With BlockBadClientCert (server) or CACrt (client) it ends the
// handshake, wrapped in ErrHandshake.
type CertVerifyError struct {
	Code    int    // OpenSSL's X509_V_ERR_* number: 10 expired, 23 revoked, ...
	Subject string // the certificate it concerns, in X509_NAME_oneline form
}

// Error describes the failure like OpenSSL's verify does.
func (e *CertVerifyError) Error() string {
	msg, ok := x509VText[e.Code]
	if !ok {
		msg = "certificate verify error"
	}
	if e.Subject == "" {
		return fmt.Sprintf("filter: ssl: %s (%d)", msg, e.Code)
	}
	return fmt.Sprintf("filter: ssl: %s (%d): %s", msg, e.Code, e.Subject)
}

// CertID identifies one certificate of the peer's chain: the original's
// clientCertIds element [subject, issuer, serial, error].
type CertID struct {
	Subject string // X509_NAME_oneline form: "/O=POE Test/CN=client"
	Issuer  string // same form
	Serial  []byte // the serial number's big-endian bytes, as the original returned it
	Error   int    // the X509_V_ERR_* code found for this certificate; 0 if none
}

// sslPeer is what verification learnt about the peer's certificates.
type sslPeer struct {
	exists   bool
	chain    []*x509.Certificate // leaf first: the verified chain, else as presented
	ids      []CertID
	valid    bool // every problem found is in IgnoreVerifyErrors
	code     int  // first problem not ignored; 0 if valid
	notOnCRL bool // CRLs were checked, valid, and list none of the chain
}

func (p *sslPeer) verifyError() error {
	if p.valid {
		return nil
	}
	e := &CertVerifyError{Code: p.code}
	for _, id := range p.ids {
		if id.Error == p.code {
			e.Subject = id.Subject
			break
		}
	}
	return e
}

// sslVerifier checks a peer's certificates as OpenSSL would with the
// original's settings, and with its bugs fixed: the CRL is honoured (its
// signature and dates checked) and an invalid certificate is invalid.
type sslVerifier struct {
	roots     *x509.CertPool
	rootCerts []*x509.Certificate
	crls      []*x509.RevocationList
	depth     int
	usage     x509.ExtKeyUsage
	ignore    map[int]bool
}

// selfSigned reports whether c signed itself. CheckSignatureFrom would
// refuse a self-signed leaf as not being a CA; OpenSSL still calls it
// self-signed (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT).
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// classify maps an error of x509.Certificate.Verify to an OpenSSL code and
// the certificate it concerns (nil: the leaf).
func classify(err error, certs []*x509.Certificate, now time.Time) (int, *x509.Certificate) {
	var inv x509.CertificateInvalidError
	var unk x509.UnknownAuthorityError
	switch {
	case errors.As(err, &inv):
		switch inv.Reason {
		case x509.Expired:
			if inv.Cert != nil && now.Before(inv.Cert.NotBefore) {
				return x509VCertNotYetValid, inv.Cert
			}
			return x509VCertHasExpired, inv.Cert
		case x509.TooManyIntermediates:
			return x509VCertChainTooLong, inv.Cert
		case x509.IncompatibleUsage:
			return x509VInvalidPurpose, inv.Cert
		case x509.NotAuthorizedToSign:
			return x509VInvalidCA, inv.Cert
		}
		return x509VUnspecified, inv.Cert
	case errors.As(err, &unk):
		last := certs[len(certs)-1]
		if len(certs) == 1 && selfSigned(last) {
			return x509VDepthZeroSelfSigned, last
		}
		if selfSigned(last) {
			return x509VSelfSignedCertInChain, last
		}
		return x509VUnableToGetIssuerLocally, last
	}
	return x509VCertSignatureFailure, nil
}

// verify checks certs (leaf first, as the peer sent them) at time now.
func (v *sslVerifier) verify(certs []*x509.Certificate, now time.Time) *sslPeer {
	p := &sslPeer{exists: len(certs) > 0}
	if !p.exists {
		p.code = x509VNoPeerCertificate
		return p
	}
	codes := make(map[*x509.Certificate]int) // first code per certificate
	var order []int                          // every code, in the order found
	note := func(c *x509.Certificate, code int) {
		if c == nil {
			c = certs[0]
		}
		if _, ok := codes[c]; !ok {
			codes[c] = code
		}
		order = append(order, code)
	}
	checkTimes := func(chain []*x509.Certificate) {
		for _, c := range chain {
			switch {
			case now.Before(c.NotBefore):
				note(c, x509VCertNotYetValid)
			case now.After(c.NotAfter):
				note(c, x509VCertHasExpired)
			}
		}
	}

	p.chain = certs
	if v.roots == nil {
		code, c := classify(x509.UnknownAuthorityError{}, certs, now)
		note(c, code)
		checkTimes(certs)
	} else {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		opts := x509.VerifyOptions{
			Roots:         v.roots,
			Intermediates: inter,
			CurrentTime:   now,
			KeyUsages:     []x509.ExtKeyUsage{v.usage},
		}
		// A time error that IgnoreVerifyErrors allows is stepped over by
		// verifying again at a moment the certificate was valid; the loop
		// is bounded since each round fixes one certificate's window.
		for range 8 {
			chains, err := certs[0].Verify(opts)
			if err == nil {
				p.chain = chains[0]
				break
			}
			code, c := classify(err, certs, now)
			note(c, code)
			if (code == x509VCertNotYetValid || code == x509VCertHasExpired) && v.ignore[code] && c != nil {
				t := opts.CurrentTime
				if t.Before(c.NotBefore) {
					t = c.NotBefore
				}
				if t.After(c.NotAfter) {
					t = c.NotAfter
				}
				opts.CurrentTime = t
				continue
			}
			if (code == x509VDepthZeroSelfSigned || code == x509VSelfSignedCertInChain ||
				code == x509VUnableToGetIssuerLocally) && v.ignore[code] {
				checkTimes(certs)
			}
			break
		}
		if len(p.chain) > v.depth+2 {
			note(p.chain[0], x509VCertChainTooLong)
		}
	}

	revoked := false
	crlOK := len(v.crls) > 0
	if len(v.crls) > 0 {
		for i, code := range v.checkCRL(p.chain, v.crls, now) {
			if code == x509VOK {
				continue
			}
			note(p.chain[i], code)
			if code == x509VCertRevoked {
				revoked = true
			} else if !v.ignore[code] {
				crlOK = false
			}
		}
	}
	p.notOnCRL = crlOK && !revoked

	p.valid = true
	for _, code := range order {
		if !v.ignore[code] {
			p.valid, p.code = false, code
			break
		}
	}
	for _, c := range p.chain {
		p.ids = append(p.ids, CertID{
			Subject: sslOneline(c.RawSubject),
			Issuer:  sslOneline(c.RawIssuer),
			Serial:  c.SerialNumber.Bytes(),
			Error:   codes[c],
		})
	}
	return p
}

// issuerOf finds the certificate that signed c: the next one in chain, or
// one of the trusted CAs.
func (v *sslVerifier) issuerOf(c *x509.Certificate, next []*x509.Certificate) *x509.Certificate {
	for _, cands := range [][]*x509.Certificate{next, v.rootCerts} {
		for _, ic := range cands {
			if bytes.Equal(ic.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(ic) == nil {
				return ic
			}
		}
	}
	return nil
}

// checkCRL returns an OpenSSL code per certificate of chain: 23 if a
// valid CRL of its issuer lists it, 8/11/12 if that CRL's signature or
// dates are wrong, 3 if the leaf's issuer has no CRL at all. A
// self-signed root is not checked, as OpenSSL does not.
func (v *sslVerifier) checkCRL(chain []*x509.Certificate, crls []*x509.RevocationList, now time.Time) []int {
	out := make([]int, len(chain))
	for i, c := range chain {
		if selfSigned(c) {
			continue
		}
		issuer := v.issuerOf(c, chain[i+1:])
		found := false
		for _, crl := range crls {
			if !bytes.Equal(crl.RawIssuer, c.RawIssuer) {
				continue
			}
			found = true
			code := x509VOK
			switch {
			case issuer == nil || crl.CheckSignatureFrom(issuer) != nil:
				code = x509VCRLSignatureFailure
			case now.Before(crl.ThisUpdate):
				code = x509VCRLNotYetValid
			case !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate):
				code = x509VCRLHasExpired
			default:
				for _, r := range crl.RevokedCertificateEntries {
					if r.SerialNumber.Cmp(c.SerialNumber) == 0 {
						code = x509VCertRevoked
						break
					}
				}
			}
			if code != x509VOK && out[i] != x509VCertRevoked {
				out[i] = code
			}
		}
		if !found && i == 0 {
			out[i] = x509VUnableToGetCRL
		}
	}
	return out
}

// sslShortNames are OpenSSL's short names for the attribute types of a
// distinguished name, as X509_NAME_oneline prints them.
var sslShortNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "postalCode",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.97":                   "organizationIdentifier",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
}

// sslOneline renders a DER distinguished name as OpenSSL's
// X509_NAME_oneline does: "/C=DE/O=Org/CN=name", attributes in
// certificate order, bytes outside printable ASCII as \xHH.
func sslOneline(raw []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return ""
	}
	var b strings.Builder
	for _, rdn := range seq {
		for k, atv := range rdn {
			if k == 0 {
				b.WriteByte('/')
			} else {
				b.WriteByte('+')
			}
			name, ok := sslShortNames[atv.Type.String()]
			if !ok {
				name = atv.Type.String()
			}
			b.WriteString(name)
			b.WriteByte('=')
			val := fmt.Sprint(atv.Value)
			for i := 0; i < len(val); i++ {
				if c := val[i]; c < ' ' || c > '~' {
					fmt.Fprintf(&b, "\\x%02X", c)
				} else {
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}

// Hexdump renders b as colon-separated upper-case hex pairs, the
// original's hexdump: Hexdump([]byte("test")) is "74:65:73:74". It is
// meant for CertID.Serial. Any goroutine may call it; s may be nil.
func (s *SSL) Hexdump(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}
