// Package testcert makes a throw-away PKI for tests: a CA, a server
// certificate for 127.0.0.1, ::1 and localhost, client certificates (valid,
// revoked, expired, self-signed) and a CRL signed by the CA.
//
// Everything is generated with crypto/x509 when a test asks for it; no key
// is ever downloaded or committed. Keys are ECDSA P-256 unless a certificate
// asks for RSA, so that a whole PKI costs a few milliseconds.
//
// Usage:
//
//	pki, err := testcert.New()
//	...
//	files, err := pki.WriteFiles(t.TempDir())
//	// files.CACrt, files.ServerCrt, files.ServerKey, files.CACRL, ...
//
// The functions are safe for concurrent use; a *Cert is immutable.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Organization is the O= of every certificate this package makes, so that
// tests can recognise the subject lines ("/O=POE Test/CN=client").
const Organization = "POE Test"

// Cert is a certificate with its private key, in parsed and PEM form.
type Cert struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte // one CERTIFICATE block
	KeyPEM  []byte // one PRIVATE KEY (PKCS #8) block
}

// TLS returns the certificate as a tls.Certificate (leaf only).
func (c *Cert) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// Options describes a certificate to make. The zero value is a client and
// server certificate valid from an hour ago for a day, with an ECDSA key.
type Options struct {
	CN        string
	DNSNames  []string
	IPs       []net.IP
	NotBefore time.Time // zero: an hour ago
	NotAfter  time.Time // zero: NotBefore plus a day
	IsCA      bool
	Client    bool // ExtKeyUsageClientAuth
	Server    bool // ExtKeyUsageServerAuth
	RSA       bool // a 2048-bit RSA key instead of ECDSA P-256
}

func newKey(useRSA bool) (crypto.Signer, error) {
	if useRSA {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
}

func template(o Options) (*x509.Certificate, error) {
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	nb := o.NotBefore
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	na := o.NotAfter
	if na.IsZero() {
		na = nb.Add(25 * time.Hour)
	}
	t := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{Organization: []string{Organization}, CommonName: o.CN},
		NotBefore:    nb,
		NotAfter:     na,
		DNSNames:     o.DNSNames,
		IPAddresses:  o.IPs,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if o.IsCA {
		t.IsCA = true
		t.BasicConstraintsValid = true
		t.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if o.RSA {
		t.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if o.Client {
		t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if o.Server {
		t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	return t, nil
}

func finish(der []byte, key crypto.Signer) (*Cert, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &Cert{
		Cert:    c,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

// SelfSigned makes a self-signed certificate. With o.IsCA it is a root CA.
func SelfSigned(o Options) (*Cert, error) {
	key, err := newKey(o.RSA)
	if err != nil {
		return nil, err
	}
	t, err := template(o)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, t, t, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("testcert: self-sign %q: %w", o.CN, err)
	}
	return finish(der, key)
}

// NewCA makes a self-signed root CA named cn.
func NewCA(cn string) (*Cert, error) {
	return SelfSigned(Options{CN: cn, IsCA: true})
}

// Issue makes a certificate signed by ca, which must be a CA.
func (ca *Cert) Issue(o Options) (*Cert, error) {
	if !ca.Cert.IsCA {
		return nil, errors.New("testcert: issuer is not a CA")
	}
	key, err := newKey(o.RSA)
	if err != nil {
		return nil, err
	}
	t, err := template(o)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, t, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testcert: issue %q: %w", o.CN, err)
	}
	return finish(der, key)
}

// CRL makes a DER certificate revocation list signed by ca that revokes
// the given certificates, valid from thisUpdate to nextUpdate.
func (ca *Cert) CRL(revoked []*Cert, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	for _, r := range revoked {
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   r.Cert.SerialNumber,
			RevocationTime: thisUpdate,
		})
	}
	n, err := serial()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    n,
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testcert: crl: %w", err)
	}
	return der, nil
}

// CRLPEM wraps a DER CRL in an "X509 CRL" PEM block, as openssl writes it.
func CRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// PKI is the standard test PKI.
type PKI struct {
	CA         *Cert  // root CA "POE Test CA"
	Server     *Cert  // CN=localhost, SANs localhost, 127.0.0.1, ::1, signed by CA
	Client     *Cert  // CN=client, signed by CA
	Revoked    *Cert  // CN=revoked, signed by CA and listed on CRL
	Expired    *Cert  // CN=expired, signed by CA, expired a day ago
	SelfSigned *Cert  // CN=selfsigned, signed by itself
	CRL        []byte // DER, signed by CA, revokes Revoked, valid now
}

// New makes the standard test PKI.
func New() (*PKI, error) {
	ca, err := NewCA("POE Test CA")
	if err != nil {
		return nil, err
	}
	p := &PKI{CA: ca}
	if p.Server, err = ca.Issue(Options{
		CN: "localhost", DNSNames: []string{"localhost"},
		IPs:    []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		Server: true,
	}); err != nil {
		return nil, err
	}
	if p.Client, err = ca.Issue(Options{CN: "client", Client: true}); err != nil {
		return nil, err
	}
	if p.Revoked, err = ca.Issue(Options{CN: "revoked", Client: true}); err != nil {
		return nil, err
	}
	now := time.Now()
	if p.Expired, err = ca.Issue(Options{
		CN: "expired", Client: true,
		NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
	}); err != nil {
		return nil, err
	}
	if p.SelfSigned, err = SelfSigned(Options{CN: "selfsigned", Client: true}); err != nil {
		return nil, err
	}
	if p.CRL, err = ca.CRL([]*Cert{p.Revoked}, now.Add(-time.Hour), now.Add(24*time.Hour)); err != nil {
		return nil, err
	}
	return p, nil
}

// Files names the PEM files WriteFiles wrote.
type Files struct {
	Dir                          string
	CACrt, CAKey, CACRL          string
	ServerCrt, ServerKey         string
	ClientCrt, ClientKey         string
	RevokedCrt, RevokedKey       string
	ExpiredCrt, ExpiredKey       string
	SelfSignedCrt, SelfSignedKey string
}

// WriteFiles writes every certificate and key of p as PEM into dir (keys
// with mode 0600) and returns their paths. The names follow the seed's
// examples: ca.crt, ca.crl, server.crt, server.key, client.crt, ...
func (p *PKI) WriteFiles(dir string) (Files, error) {
	f := Files{Dir: dir}
	type item struct {
		path *string
		name string
		data []byte
		mode os.FileMode
	}
	pair := func(c *Cert, crt, key *string, base string) []item {
		return []item{
			{crt, base + ".crt", c.CertPEM, 0o644},
			{key, base + ".key", c.KeyPEM, 0o600},
		}
	}
	var items []item
	items = append(items, pair(p.CA, &f.CACrt, &f.CAKey, "ca")...)
	items = append(items, item{&f.CACRL, "ca.crl", CRLPEM(p.CRL), 0o644})
	items = append(items, pair(p.Server, &f.ServerCrt, &f.ServerKey, "server")...)
	items = append(items, pair(p.Client, &f.ClientCrt, &f.ClientKey, "client")...)
	items = append(items, pair(p.Revoked, &f.RevokedCrt, &f.RevokedKey, "revoked")...)
	items = append(items, pair(p.Expired, &f.ExpiredCrt, &f.ExpiredKey, "expired")...)
	items = append(items, pair(p.SelfSigned, &f.SelfSignedCrt, &f.SelfSignedKey, "selfsigned")...)
	for _, it := range items {
		path := filepath.Join(dir, it.name)
		if err := os.WriteFile(path, it.data, it.mode); err != nil {
			return Files{}, fmt.Errorf("testcert: %w", err)
		}
		*it.path = path
	}
	return f, nil
}
