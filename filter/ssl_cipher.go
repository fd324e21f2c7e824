package filter

import (
	"crypto/tls"
	"strings"
)

// sslSuite describes one TLS 1.2 cipher suite that crypto/tls implements,
// with its OpenSSL name and the attributes OpenSSL's cipher-string keywords
// select on (see ciphers(1ssl)).
type sslSuite struct {
	id       uint16
	openssl  string
	kx, au   string // "RSA" or "ECDHE"; "RSA" or "ECDSA"
	enc      string // "AES128", "AES256", "AESGCM128", "AESGCM256", "CHACHA20", "3DES", "RC4"
	mac      string // "SHA1", "SHA256", "SHA384", "AEAD"
	tls12    bool   // only usable with TLS 1.2
	insecure bool   // in tls.InsecureCipherSuites: not in Go's default list
}

// sslSuites is in OpenSSL's default preference order (strongest first),
// which is the order an expanded keyword lists them in.
var sslSuites = []sslSuite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE", "ECDSA", "AESGCM256", "AEAD", true, false},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE", "RSA", "AESGCM256", "AEAD", true, false},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE", "ECDSA", "CHACHA20", "AEAD", true, false},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE", "RSA", "CHACHA20", "AEAD", true, false},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE", "ECDSA", "AESGCM128", "AEAD", true, false},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE", "RSA", "AESGCM128", "AEAD", true, false},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", "ECDHE", "ECDSA", "AES128", "SHA256", true, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", "ECDHE", "RSA", "AES128", "SHA256", true, true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "ECDHE", "ECDSA", "AES256", "SHA1", false, false},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "ECDHE", "RSA", "AES256", "SHA1", false, false},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "ECDHE", "ECDSA", "AES128", "SHA1", false, false},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "ECDHE", "RSA", "AES128", "SHA1", false, false},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "RSA", "RSA", "AESGCM256", "AEAD", true, true},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "RSA", "RSA", "AESGCM128", "AEAD", true, true},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", "RSA", "RSA", "AES128", "SHA256", true, true},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "RSA", "RSA", "AES256", "SHA1", false, true},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "RSA", "RSA", "AES128", "SHA1", false, true},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", "ECDHE", "RSA", "3DES", "SHA1", false, true},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", "RSA", "RSA", "3DES", "SHA1", false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA-RC4-SHA", "ECDHE", "ECDSA", "RC4", "SHA1", false, true},
	{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA-RC4-SHA", "ECDHE", "RSA", "RC4", "SHA1", false, true},
	{tls.TLS_RSA_WITH_RC4_128_SHA, "RC4-SHA", "RSA", "RSA", "RC4", "SHA1", false, true},
}

// sslCipherKeyword reports whether suite s matches one element of an
// OpenSSL cipher string (a name or a keyword). Keywords crypto/tls has no
// suite for (DHE, aNULL, CAMELLIA, PSK, ...) and unknown words match
// nothing, as OpenSSL ignores words it cannot match.
func sslCipherKeyword(s *sslSuite, word string) bool {
	switch word {
	case s.openssl, tls.CipherSuiteName(s.id):
		return true
	case "ALL", "COMPLEMENTOFDEFAULT", "DEFAULT":
		switch word {
		case "DEFAULT":
			return !s.insecure
		case "COMPLEMENTOFDEFAULT":
			return s.insecure
		}
		return true
	case "HIGH":
		return s.enc != "3DES" && s.enc != "RC4"
	case "MEDIUM":
		return s.enc == "3DES" || s.enc == "RC4"
	case "kRSA", "RSA":
		return s.kx == "RSA"
	case "aRSA":
		return s.au == "RSA"
	case "kECDHE", "kEECDH", "ECDHE", "EECDH":
		return s.kx == "ECDHE"
	case "aECDSA", "ECDSA":
		return s.au == "ECDSA"
	case "AES":
		return strings.HasPrefix(s.enc, "AES")
	case "AES128":
		return s.enc == "AES128" || s.enc == "AESGCM128"
	case "AES256":
		return s.enc == "AES256" || s.enc == "AESGCM256"
	case "AESGCM":
		return strings.HasPrefix(s.enc, "AESGCM")
	case "CHACHA20":
		return s.enc == "CHACHA20"
	case "3DES":
		return s.enc == "3DES"
	case "RC4":
		return s.enc == "RC4"
	case "SHA1", "SHA":
		return s.mac == "SHA1"
	case "SHA256":
		return s.mac == "SHA256" || (s.mac == "AEAD" && !strings.HasSuffix(s.openssl, "SHA384"))
	case "SHA384":
		return strings.HasSuffix(s.openssl, "SHA384")
	case "TLSv1.2":
		return s.tls12
	case "TLSv1", "TLSv1.0", "SSLv3":
		return !s.tls12
	}
	return false
}

// parseSSLCipherList maps an OpenSSL cipher list ("ECDHE+AESGCM:AES256-SHA:!RC4")
// to crypto/tls suite IDs. It follows OpenSSL's rules: elements separated
// by ':', ',', ';' or spaces; "A+B" selects the suites matching both; a
// plain element appends the suites not yet listed; "-X" removes them,
// "!X" removes them for good, "+X" moves them to the end; "@STRENGTH" and
// "@SECLEVEL=n" are ignored. It returns nil when nothing matched, which
// OpenSSL reports as an error too.
func parseSSLCipherList(list string) []uint16 {
	var active []int // indexes into sslSuites, in order
	killed := make(map[int]bool)
	has := func(i int) int {
		for k, j := range active {
			if j == i {
				return k
			}
		}
		return -1
	}
	fields := strings.FieldsFunc(list, func(r rune) bool {
		return r == ':' || r == ',' || r == ';' || r == ' ' || r == '\t'
	})
	for _, f := range fields {
		if strings.HasPrefix(f, "@") {
			continue
		}
		op := byte(0)
		if f[0] == '!' || f[0] == '-' || f[0] == '+' {
			op, f = f[0], f[1:]
		}
		words := strings.Split(f, "+")
		var match []int
		for i := range sslSuites {
			ok := true
			for _, w := range words {
				if !sslCipherKeyword(&sslSuites[i], w) {
					ok = false
					break
				}
			}
			if ok {
				match = append(match, i)
			}
		}
		for _, i := range match {
			k := has(i)
			switch op {
			case '!':
				killed[i] = true
				fallthrough
			case '-':
				if k >= 0 {
					active = append(active[:k], active[k+1:]...)
				}
			case '+':
				if k >= 0 {
					active = append(append(active[:k], active[k+1:]...), i)
				}
			default:
				if k < 0 && !killed[i] {
					active = append(active, i)
				}
			}
		}
	}
	if len(active) == 0 {
		return nil
	}
	ids := make([]uint16, len(active))
	for k, i := range active {
		ids[k] = sslSuites[i].id
	}
	return ids
}

// sslCipherName returns OpenSSL's name for a suite, which is what the
// original's getCipher (SSL_get_cipher) returned. TLS 1.3 suites have the
// same name in both.
func sslCipherName(id uint16) string {
	for i := range sslSuites {
		if sslSuites[i].id == id {
			return sslSuites[i].openssl
		}
	}
	return tls.CipherSuiteName(id)
}
