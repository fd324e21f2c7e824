package filter

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"testing"
)

func TestParseSSLCipherList(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []uint16 // nil: nothing crypto/tls supports
	}{
		{"AES256-SHA", []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA}},
		{"DHE-RSA-AES256-GCM-SHA384:AES256-SHA", []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA}},
		{"DHE-RSA-AES256-GCM-SHA384", nil},
		{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"ECDHE+AESGCM", []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		}},
		{"aECDSA+CHACHA20, AES128-SHA", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
		{"ECDHE+AESGCM:!AES128", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
		{"!AES128:ECDHE+AESGCM:AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
		{"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:-ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:+ECDHE-RSA-AES128-GCM-SHA256",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"HIGH:!aNULL:!MD5:!RSA:!SHA1:!ECDSA:@STRENGTH", []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
		}},
		{"3DES", []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{"NOSUCHCIPHER:eNULL", nil},
		{"", nil},
	} {
		t.Run(tc.list, func(t *testing.T) {
			if got := parseSSLCipherList(tc.list); !slices.Equal(got, tc.want) {
				t.Errorf("parseSSLCipherList(%q) = %v, want %v", tc.list, names(got), names(tc.want))
			}
		})
	}
	if n := len(parseSSLCipherList("ALL")); n != len(sslSuites) {
		t.Errorf("ALL selects %d suites, want all %d", n, len(sslSuites))
	}
	for _, id := range parseSSLCipherList("DEFAULT") {
		if !slices.ContainsFunc(tls.CipherSuites(), func(s *tls.CipherSuite) bool { return s.ID == id }) {
			t.Errorf("DEFAULT selects %s, which crypto/tls calls insecure", tls.CipherSuiteName(id))
		}
	}
}

func names(ids []uint16) []string {
	var out []string
	for _, id := range ids {
		out = append(out, sslCipherName(id))
	}
	return out
}

// TestSSLSuiteTable checks the table against crypto/tls: every suite it
// implements for TLS 1.2 is listed once, with the right insecure mark.
func TestSSLSuiteTable(t *testing.T) {
	seen := map[uint16]bool{}
	for _, s := range sslSuites {
		if seen[s.id] {
			t.Errorf("%s listed twice", s.openssl)
		}
		seen[s.id] = true
	}
	check := func(list []*tls.CipherSuite, insecure bool) {
		for _, cs := range list {
			if slices.Contains(cs.SupportedVersions, tls.VersionTLS13) {
				continue
			}
			i := slices.IndexFunc(sslSuites, func(s sslSuite) bool { return s.id == cs.ID })
			if i < 0 {
				t.Errorf("%s is missing from sslSuites", cs.Name)
				continue
			}
			if sslSuites[i].insecure != insecure {
				t.Errorf("%s insecure = %v, want %v", cs.Name, sslSuites[i].insecure, insecure)
			}
			if want := !slices.Contains(cs.SupportedVersions, tls.VersionTLS10); sslSuites[i].tls12 != want {
				t.Errorf("%s tls12 = %v, want %v", cs.Name, sslSuites[i].tls12, want)
			}
		}
	}
	check(tls.CipherSuites(), false)
	check(tls.InsecureCipherSuites(), true)
	if got := sslCipherName(tls.TLS_AES_128_GCM_SHA256); got != "TLS_AES_128_GCM_SHA256" {
		t.Errorf("sslCipherName(TLS_AES_128_GCM_SHA256) = %q", got)
	}
}

func TestSSLOneline(t *testing.T) {
	name := pkix.Name{
		Country:            []string{"DE"},
		Province:           []string{"Bayern"},
		Organization:       []string{"Crypto Magic"},
		OrganizationalUnit: []string{"R&D"},
		CommonName:         "Müller",
	}
	seq := name.ToRDNSequence()
	seq = append(seq, pkix.RelativeDistinguishedNameSET{
		{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: "a@b.example"},
		{Type: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: "x"},
	})
	raw, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	// DER sorts a multi-valued RDN (a SET); OpenSSL prints it as stored.
	want := `/C=DE/ST=Bayern/O=Crypto Magic/OU=R&D/CN=M\xC3\xBCller/1.2.3.4=x+emailAddress=a@b.example`
	if got := sslOneline(raw); got != want {
		t.Errorf("sslOneline = %q, want %q", got, want)
	}
	if got := sslOneline([]byte{0x30, 0x01}); got != "" {
		t.Errorf("sslOneline(garbage) = %q, want \"\"", got)
	}
}

func TestHexdump(t *testing.T) {
	var s *SSL
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("test"), "74:65:73:74"},
		{[]byte{0x0a, 0xff}, "0A:FF"},
		{nil, ""},
	} {
		if got := s.Hexdump(tc.in); got != tc.want {
			t.Errorf("Hexdump(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDeliverableRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want int
	}{
		{"empty", nil, 0},
		{"partial header", []byte{22, 3}, 0},
		{"header only", []byte{22, 3, 3, 0, 4}, 0},
		{"partial body", []byte{22, 3, 3, 0, 4, 1, 2}, 0},
		{"whole record", []byte{22, 3, 3, 0, 2, 1, 2}, 7},
		{"record and more", []byte{23, 3, 3, 0, 1, 9, 23, 3}, 6},
		{"empty record", []byte{23, 3, 3, 0, 0}, 5},
		{"not a record type", []byte("GET"), 3},
		{"not version 3", []byte{22, 2}, 2},
		{"too long", []byte{23, 3, 3, 0x48, 0x01, 0}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSSLEngine()
			e.in = tc.in
			if got := e.deliverableLocked(); got != tc.want {
				t.Errorf("deliverable(% x) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
