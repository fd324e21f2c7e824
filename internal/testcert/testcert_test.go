package testcert_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPKI(t *testing.T) {
	p, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Cert)
	verify := func(c *testcert.Cert, usage x509.ExtKeyUsage) error {
		_, err := c.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}})
		return err
	}
	for _, tc := range []struct {
		name    string
		cert    *testcert.Cert
		usage   x509.ExtKeyUsage
		wantErr bool
	}{
		{"server", p.Server, x509.ExtKeyUsageServerAuth, false},
		{"client", p.Client, x509.ExtKeyUsageClientAuth, false},
		{"revoked (still signed by the CA)", p.Revoked, x509.ExtKeyUsageClientAuth, false},
		{"expired", p.Expired, x509.ExtKeyUsageClientAuth, true},
		{"self-signed", p.SelfSigned, x509.ExtKeyUsageClientAuth, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := verify(tc.cert, tc.usage); (err != nil) != tc.wantErr {
				t.Errorf("Verify() = %v, want error %v", err, tc.wantErr)
			}
			if _, err := tls.X509KeyPair(tc.cert.CertPEM, tc.cert.KeyPEM); err != nil {
				t.Errorf("X509KeyPair(CertPEM, KeyPEM) = %v", err)
			}
		})
	}
	var inv x509.CertificateInvalidError
	if err := verify(p.Expired, x509.ExtKeyUsageClientAuth); !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Errorf("expired Verify() = %v, want CertificateInvalidError Expired", err)
	}
	if err := p.Server.Cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("server VerifyHostname(127.0.0.1) = %v", err)
	}
	if err := p.Server.Cert.VerifyHostname("localhost"); err != nil {
		t.Errorf("server VerifyHostname(localhost) = %v", err)
	}

	crl, err := x509.ParseRevocationList(p.CRL)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.CA.Cert); err != nil {
		t.Errorf("CRL CheckSignatureFrom(CA) = %v", err)
	}
	if n := len(crl.RevokedCertificateEntries); n != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(p.Revoked.Cert.SerialNumber) != 0 {
		t.Errorf("CRL revokes %d certificates, want exactly the revoked one", n)
	}
	if now := time.Now(); now.Before(crl.ThisUpdate) || now.After(crl.NextUpdate) {
		t.Errorf("CRL valid %v..%v, want now inside", crl.ThisUpdate, crl.NextUpdate)
	}
}

func TestWriteFiles(t *testing.T) {
	p, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"CACrt": f.CACrt, "CAKey": f.CAKey, "CACRL": f.CACRL, "ServerCrt": f.ServerCrt,
		"ServerKey": f.ServerKey, "ClientCrt": f.ClientCrt, "ClientKey": f.ClientKey,
		"RevokedCrt": f.RevokedCrt, "RevokedKey": f.RevokedKey, "ExpiredCrt": f.ExpiredCrt,
		"ExpiredKey": f.ExpiredKey, "SelfSignedCrt": f.SelfSignedCrt, "SelfSignedKey": f.SelfSignedKey,
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if blk, _ := pem.Decode(b); blk == nil {
			t.Errorf("%s (%s) holds no PEM block", name, path)
		}
	}
	if _, err := tls.LoadX509KeyPair(f.ServerCrt, f.ServerKey); err != nil {
		t.Errorf("LoadX509KeyPair(server) = %v", err)
	}
	st, err := os.Stat(f.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("server.key mode %v, want 0600", st.Mode().Perm())
	}
}

func TestIssueNeedsCA(t *testing.T) {
	leaf, err := testcert.SelfSigned(testcert.Options{CN: "leaf"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Issue(testcert.Options{CN: "child"}); err == nil {
		t.Error("Issue from a non-CA succeeded, want an error")
	}
}
