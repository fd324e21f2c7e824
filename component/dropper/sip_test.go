package dropper

import (
	"errors"
	"testing"
)

func TestParseFirstLine(t *testing.T) {
	tests := []struct {
		in   string
		want FirstLine
		ok   bool
	}{
		{"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n", FirstLine{Method: "INVITE", URI: "sip:bob@example.com"}, true},
		{"REGISTER sip:example.com SIP/2.0\n\n", FirstLine{Method: "REGISTER", URI: "sip:example.com"}, true},
		{"register sip:example.com sip/2.0\r\n", FirstLine{Method: "register", URI: "sip:example.com"}, true},
		{"\r\n\r\nOPTIONS sip:a SIP/2.0\r\n", FirstLine{Method: "OPTIONS", URI: "sip:a"}, true},
		{"OPTIONS\tsip:a \t SIP/2.0 \t\r\n", FirstLine{Method: "OPTIONS", URI: "sip:a"}, true},
		{"X-Foo.Bar!%*_+`'~ <sip:a> SIP/2.0\r\n", FirstLine{Method: "X-Foo.Bar!%*_+`'~", URI: "<sip:a>"}, true},
		{"SIP/2.0 200 OK\r\n\r\n", FirstLine{Code: 200, Reason: "OK"}, true},
		{"SIP/2.0 407 Proxy Authentication  Required \r\n", FirstLine{Code: 407, Reason: "Proxy Authentication  Required"}, true},
		{"sip/2.0 100 Trying\n", FirstLine{Code: 100, Reason: "Trying"}, true},
		{"SIP/2.0 699\r\n", FirstLine{Code: 699}, true},
		{"SIP/2.0 180 Klingelt \xc3\xa4\r\n", FirstLine{Code: 180, Reason: "Klingelt \xc3\xa4"}, true},

		{"", FirstLine{}, false},
		{"\r\n\r\n", FirstLine{}, false},
		{"INVITE sip:a SIP/2.0", FirstLine{}, false},                           // no line end
		{"INVITE sip:a SIP/3.0\r\n", FirstLine{}, false},                       // version
		{"INVITE sip:a HTTP/1.1\r\n", FirstLine{}, false},                      // version
		{"GET / HTTP/1.1\r\n", FirstLine{}, false},                             // HTTP
		{"INVITE sip:a b SIP/2.0\r\n", FirstLine{}, false},                     // URI with a blank
		{"INVITE  SIP/2.0\r\n", FirstLine{}, false},                            // no URI
		{"INVITE\r\n", FirstLine{}, false},                                     // nothing else
		{"IN(VITE sip:a SIP/2.0\r\n", FirstLine{}, false},                      // not a token
		{" INVITE sip:a SIP/2.0\r\n", FirstLine{}, false},                      // leading blank
		{"INVITE sip:a\x00 SIP/2.0\r\n", FirstLine{}, false},                   // control byte
		{"INVITE sip:a SIP/2.0\r\r\n", FirstLine{}, false},                     // stray CR
		{"SIP/2.0 099 Low\r\n", FirstLine{}, false},                            // code range
		{"SIP/2.0 700 High\r\n", FirstLine{}, false},                           // code range
		{"SIP/2.0 2000 Long\r\n", FirstLine{}, false},                          // four digits
		{"SIP/2.0 20 Short\r\n", FirstLine{}, false},                           // two digits
		{"SIP/2.0 200OK\r\n", FirstLine{}, false},                              // no blank
		{"SIP/2.0200 OK\r\n", FirstLine{}, false},                              // no blank
		{"SIP/2.1 200 OK\r\n", FirstLine{}, false},                             // version
		{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", FirstLine{}, false}, // TLS
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFirstLine([]byte(tt.in))
			if !tt.ok {
				if !errors.Is(err, ErrNotSIP) {
					t.Fatalf("ParseFirstLine(%q) = %+v, %v; want an error wrapping ErrNotSIP", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFirstLine(%q) = %+v, %v; want %+v, nil", tt.in, got, err, tt.want)
			}
			if got.IsResponse() != (tt.want.Code != 0) {
				t.Errorf("IsResponse() = %v for %+v", got.IsResponse(), got)
			}
		})
	}
}

func TestFirstLineString(t *testing.T) {
	tests := []struct {
		in   FirstLine
		want string
	}{
		{FirstLine{Method: "BYE", URI: "sip:a"}, "BYE sip:a SIP/2.0"},
		{FirstLine{Code: 486, Reason: "Busy Here"}, "SIP/2.0 486 Busy Here"},
		{FirstLine{Code: 200}, "SIP/2.0 200 "},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSIPFirstLine(f *testing.F) {
	for _, s := range []string{
		"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n",
		"SIP/2.0 200 OK\r\n\r\n",
		"SIP/2.0 699\r\n",
		"\r\n\r\nREGISTER sip:a sip/2.0 \r\n",
		"GET / HTTP/1.1\r\n",
		"\r\n\r\n",
		"",
		"SIP/2.0 20",
		"INVITE sip:a\x00 SIP/2.0\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		got, err := ParseFirstLine(packet)
		if err != nil {
			if !errors.Is(err, ErrNotSIP) {
				t.Fatalf("ParseFirstLine(%q) error %v does not wrap ErrNotSIP", packet, err)
			}
			if got != (FirstLine{}) {
				t.Fatalf("ParseFirstLine(%q) = %+v with an error, want the zero FirstLine", packet, got)
			}
			return
		}
		if got.IsResponse() {
			if got.Code < 100 || got.Code > 699 || got.Method != "" || got.URI != "" {
				t.Fatalf("ParseFirstLine(%q) = %+v: bad response", packet, got)
			}
		} else if !isToken(got.Method) || got.URI == "" || got.Reason != "" {
			t.Fatalf("ParseFirstLine(%q) = %+v: bad request", packet, got)
		}
		// Round trip: the canonical line parses back to the same value.
		line := got.String() + "\r\n"
		again, err := ParseFirstLine([]byte(line))
		if err != nil || again != got {
			t.Fatalf("ParseFirstLine(%q) = %+v, %v; want %+v (from %q)", line, again, err, got, packet)
		}
	})
}
