package ident

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseRequest(t *testing.T) {
	tests := []struct {
		line   string
		p1, p2 int
		err    error
	}{
		{"6191, 23", 6191, 23, nil},
		{"6191,23", 6191, 23, nil},
		{"  6191 ,\t23 \t", 6191, 23, nil},
		{"6191 , 23\r", 6191, 23, nil},
		{"00023 , 0000006191", 23, 6191, nil},
		{"1,65535", 1, 65535, nil},
		{"65535,1", 65535, 1, nil},
		{"0,1", 0, 1, ErrInvalidPort},
		{"1,65536", 1, 65536, ErrInvalidPort},
		{"999999,1", 999999, 1, ErrInvalidPort},
		{"1000000,1", 0, 0, ErrInvalidPort},
		{"", 0, 0, ErrInvalidPort},
		{"\r", 0, 0, ErrInvalidPort},
		{",", 0, 0, ErrInvalidPort},
		{"1,", 0, 0, ErrInvalidPort},
		{",1", 0, 0, ErrInvalidPort},
		{"1,2,3", 0, 0, ErrInvalidPort},
		{"-1,2", 0, 0, ErrInvalidPort},
		{"+1,2", 0, 0, ErrInvalidPort},
		{"1.0,2", 0, 0, ErrInvalidPort},
		{"1 2", 0, 0, ErrInvalidPort},
		{"1\v,2", 0, 0, ErrInvalidPort},
		{"1,2\r\r", 0, 0, ErrInvalidPort},
		{"١,٢", 0, 0, ErrInvalidPort}, // Arabic-Indic digits are not decimal ASCII
		{strings.Repeat(" ", 995) + "1 , 2", 1, 2, nil},
		{strings.Repeat(" ", 995) + "1 , 2\r", 1, 2, nil},
		{strings.Repeat(" ", 996) + "1 , 2", 0, 0, ErrTooLong},
	}
	for _, tt := range tests {
		p1, p2, err := ParseRequest(tt.line)
		if p1 != tt.p1 || p2 != tt.p2 || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseRequest(%.30q) = %d, %d, %v; want %d, %d, %v", tt.line, p1, p2, err, tt.p1, tt.p2, tt.err)
		}
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		line string
		want Reply
		err  error
	}{
		{"6193, 23 : USERID : UNIX : stjohns", Reply{Port1: 6193, Port2: 23, OpSys: "UNIX", UserID: "stjohns"}, nil},
		{"6195, 23 : ERROR : NO-USER", Reply{Port1: 6195, Port2: 23, Error: "NO-USER"}, nil},
		{"1,2:USERID:UNIX:root\r", Reply{Port1: 1, Port2: 2, OpSys: "UNIX", UserID: "root"}, nil},
		{"1,2:ERROR:X-FOO ", Reply{Port1: 1, Port2: 2, Error: "X-FOO"}, nil},
		{"1 , 2 : USERID : UNIX,UTF-8 : a b ", Reply{Port1: 1, Port2: 2, OpSys: "UNIX", Charset: "UTF-8", UserID: "a b "}, nil},
		{"1 , 2 : USERID : OTHER :  a:b ", Reply{Port1: 1, Port2: 2, OpSys: "OTHER", UserID: "a:b "}, nil},
		{"1 , 2 : USERID : UNIX :  a:b ", Reply{Port1: 1, Port2: 2, OpSys: "UNIX", UserID: "a:b"}, nil},
		{"1 , 2 : userid : UNIX : x", Reply{Port1: 1, Port2: 2, OpSys: "UNIX", UserID: "x"}, nil},
		{"1 , 2 : USERID : UNIX : ", Reply{}, ErrMalformed},
		{"1 , 2 : USERID : : x", Reply{}, ErrMalformed},
		{"1 , 2 : USERID : UNIX,: x", Reply{}, ErrMalformed},
		{"1 , 2 : USERID : UNIX", Reply{}, ErrMalformed},
		{"1 , 2 : ERROR :", Reply{}, ErrMalformed},
		{"1 , 2 : ERROR : A B", Reply{}, ErrMalformed},
		{"1 , 2 : ERROR : " + strings.Repeat("X", 65), Reply{}, ErrMalformed},
		{"1 , 2 : OOPS : x", Reply{}, ErrMalformed},
		{"1 2 : ERROR : NO-USER", Reply{}, ErrMalformed},
		{"a , 2 : ERROR : NO-USER", Reply{}, ErrMalformed},
		{"garbage", Reply{}, ErrMalformed},
		{"", Reply{}, ErrMalformed},
		{"1 , 2 : USERID : UNIX : a\x00b", Reply{}, ErrMalformed},
		{strings.Repeat("x", 1001), Reply{}, ErrTooLong},
	}
	for _, tt := range tests {
		got, err := ParseReply(tt.line)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseReply(%.40q) = %+v, %v; want %v", tt.line, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseReply(%.40q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{FormatUserID(1, 2, "UNIX", "bob"), "1 , 2 : USERID : UNIX : bob"},
		{FormatUserID(1, 2, " UNIX , UTF-8 ", "bob"), "1 , 2 : USERID : UNIX,UTF-8 : bob"},
		{FormatUserID(1, 2, "UNIX", "a\r\nb\x00c"), "1 , 2 : USERID : UNIX : abc"},
		{FormatUserID(1, 2, "UNIX", "\r\n"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatUserID(1, 2, "UNIX", " \t "), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatUserID(1, 2, "A:B", "x"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatUserID(1, 2, "A,B,C", "x"), "1 , 2 : USERID : A,B,C : x"}, // the charset token may hold commas
		{FormatError(1, 2, "no-user"), "1 , 2 : ERROR : NO-USER"},
		{FormatError(1, 2, "X-ok"), "1 , 2 : ERROR : X-OK"},
		{FormatError(1, 2, "X"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatError(1, 2, "X:Y"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatError(1, 2, "whatever"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{FormatRequest(6191, 23), "6191 , 23"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// FuzzParseRequest: the parser never panics, accepts only ports in
// range, and what it accepts formats back to a request it parses the
// same way; every reply line the server could build from it is one line
// that the client parser reads back with the same ports.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"6191, 23", " 1 ,\t65535 \r", "0,1", "00023,00001", "", ",", "1,2,3", "x", "99999999999,1", strings.Repeat("9", 1001)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p1, p2, err := ParseRequest(line)
		if err != nil {
			if !errors.Is(err, ErrInvalidPort) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("ParseRequest(%q) error %v is neither ErrInvalidPort nor ErrTooLong", line, err)
			}
			if errors.Is(err, ErrInvalidPort) && (p1 < 0 || p2 < 0 || p1 > 999999 || p2 > 999999) {
				t.Fatalf("ParseRequest(%q) echoes %d, %d", line, p1, p2)
			}
			reply := FormatError(p1, p2, InvalidPort)
			if r, err := ParseReply(reply); err != nil || r.Port1 != p1 || r.Port2 != p2 || r.Error != InvalidPort {
				t.Fatalf("the INVALID-PORT reply %q parses as %+v, %v", reply, r, err)
			}
			return
		}
		if !ValidPort(p1) || !ValidPort(p2) {
			t.Fatalf("ParseRequest(%q) = %d, %d: out of range", line, p1, p2)
		}
		if q1, q2, err := ParseRequest(FormatRequest(p1, p2)); err != nil || q1 != p1 || q2 != p2 {
			t.Fatalf("round trip of %d, %d = %d, %d, %v", p1, p2, q1, q2, err)
		}
	})
}

// FuzzReplyRoundTrip: any opsys and userid a session gives the server
// make one reply line, without CR, LF or NUL, under 1000 characters,
// that the client reads back as the same (cleaned) answer or as
// UNKNOWN-ERROR when they do not fit the grammar.
func FuzzReplyRoundTrip(f *testing.F) {
	f.Add(uint16(6191), uint16(23), "UNIX", "stjohns")
	f.Add(uint16(1), uint16(65535), "OTHER", " a:b ")
	f.Add(uint16(1), uint16(2), "UNIX,UTF-8", "jürgen\r\n")
	f.Add(uint16(1), uint16(2), "A:B", "x")
	f.Add(uint16(1), uint16(2), "UNIX", strings.Repeat("u", 700))
	f.Fuzz(func(t *testing.T, a, b uint16, opsys, userid string) {
		p1, p2 := int(a)%65535+1, int(b)%65535+1
		line := FormatUserID(p1, p2, opsys, userid)
		if strings.ContainsAny(line, "\r\n\x00") || len(line) > MaxLine {
			t.Fatalf("FormatUserID(%q, %q) = %q: not one bounded line", opsys, userid, line)
		}
		r, err := ParseReply(line)
		if err != nil || r.Port1 != p1 || r.Port2 != p2 {
			t.Fatalf("ParseReply(%q) = %+v, %v", line, r, err)
		}
		if r.Error != "" {
			if r.Error != UnknownError {
				t.Fatalf("ParseReply(%q) error %q", line, r.Error)
			}
			return
		}
		wantOS := normalizeOpSys(opsys)
		gotOS := r.OpSys
		if r.Charset != "" {
			gotOS += "," + r.Charset
		}
		if gotOS != wantOS {
			t.Fatalf("opsys %q came back as %q", opsys, gotOS)
		}
		want := strings.TrimLeft(CleanUserID(userid), " \t")
		if r.Charset == "" && !strings.EqualFold(r.OpSys, "OTHER") {
			want = strings.TrimRight(want, " \t")
		}
		if r.UserID != want {
			t.Fatalf("userid %q came back as %q, want %q", userid, r.UserID, want)
		}
	})
}

// FuzzParseReply: the client's parser never panics and returns either a
// USERID with a non-empty userid or a token, or an error.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"6193, 23 : USERID : UNIX : stjohns", "1,2:ERROR:NO-USER\r", "1,2:USERID:OTHER: x:y", ":::", "1,2:ERROR:", strings.Repeat(":", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseReply(line)
		if err != nil {
			return
		}
		if r.Error == "" && (r.UserID == "" || r.OpSys == "") {
			t.Fatalf("ParseReply(%q) = %+v: empty fields", line, r)
		}
		if r.Error != "" && !IsToken(r.Error) {
			t.Fatalf("ParseReply(%q) = token %q", line, r.Error)
		}
	})
}
