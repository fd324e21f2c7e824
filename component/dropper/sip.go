package dropper

import (
	"bytes"
	"fmt"
	"strconv"
)

// FirstLine is the start line of a SIP message (RFC 3261 section 7.1 and
// 7.2): a Request-Line "METHOD Request-URI SIP/2.0" or a Status-Line
// "SIP/2.0 Status-Code Reason-Phrase".
type FirstLine struct {
	// Method is the request's method, case kept as sent (SIP methods are
	// case-sensitive, RFC 3261 section 7.1). It is "" for a response.
	Method string
	// URI is the Request-URI, "" for a response.
	URI string
	// Code is the response's status code (100 to 699), 0 for a request.
	Code int
	// Reason is the response's reason phrase, possibly "", and "" for a
	// request.
	Reason string
}

// IsResponse reports whether l is a Status-Line. It may be called from any
// goroutine.
func (l FirstLine) IsResponse() bool { return l.Code != 0 }

// String returns l as it is sent, without the line end: "INVITE
// sip:bob@example.com SIP/2.0" or "SIP/2.0 200 OK". It may be called from
// any goroutine.
func (l FirstLine) String() string {
	if l.IsResponse() {
		return "SIP/2.0 " + strconv.Itoa(l.Code) + " " + l.Reason
	}
	return l.Method + " " + l.URI + " SIP/2.0"
}

// ParseFirstLine parses the first line of a SIP message. It returns an
// error wrapping ErrNotSIP when packet starts with neither a Request-Line nor
// a Status-Line. It never reads past the first line and never panics. It may
// be called from any goroutine.
//
// What it accepts, a little more liberally than RFC 3261 section 7 (and
// than Net::SIP::Packet, which is stricter on the version and looser on the
// URI):
//   - leading CR and LF bytes are skipped (RFC 3261 section 7.5; a packet
//     that is nothing else, such as an RFC 5626 keep-alive, is not SIP);
//   - the line ends at the first LF, with or without a CR before it; a
//     packet without a LF is not SIP, because every SIP message has at least
//     an empty line after its headers;
//   - elements are separated by one or more SP or HTAB, and blanks before
//     the line end are ignored;
//   - "SIP/2.0" matches case-insensitively (ABNF literals are) and no other
//     version is SIP;
//   - a method is an RFC 3261 token; a Request-URI is one run of non-blank
//     bytes; a status code is three digits from 100 to 699; a reason phrase
//     may be empty;
//   - control bytes other than HTAB anywhere in the line make it not SIP.
func ParseFirstLine(packet []byte) (FirstLine, error) {
	fl, why := parseFirstLine(packet)
	if why != "" {
		return FirstLine{}, fmt.Errorf("%w: %s", ErrNotSIP, why)
	}
	if fl.code != 0 {
		return FirstLine{Code: fl.code, Reason: string(fl.reason)}, nil
	}
	return FirstLine{Method: string(fl.method), URI: string(fl.uri)}, nil
}

// firstLine is FirstLine with its parts still in the packet's bytes, so the
// Methods filter of Run can classify a packet without allocating.
type firstLine struct {
	method, uri, reason []byte
	code                int
}

const sipVersion = "SIP/2.0"

// parseFirstLine is ParseFirstLine without allocation. why is "" on success
// and says what is wrong otherwise.
func parseFirstLine(p []byte) (fl firstLine, why string) {
	for len(p) > 0 && (p[0] == '\r' || p[0] == '\n') {
		p = p[1:]
	}
	if len(p) == 0 {
		return fl, "empty packet"
	}
	end := bytes.IndexByte(p, '\n')
	if end < 0 {
		return fl, "no line end"
	}
	line := trimBlanksRight(p[:end])
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = trimBlanksRight(line[:n-1])
	}
	for _, c := range line {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return fl, "control byte in first line"
		}
	}
	if len(line) >= len(sipVersion) && bytes.EqualFold(line[:len(sipVersion)], []byte(sipVersion)) {
		return parseStatusLine(line[len(sipVersion):])
	}
	return parseRequestLine(line)
}

// parseStatusLine parses what follows "SIP/2.0" on a Status-Line.
func parseStatusLine(rest []byte) (fl firstLine, why string) {
	after := trimBlanksLeft(rest)
	if len(after) == len(rest) {
		return fl, "no blank after SIP version"
	}
	if len(after) < 3 || after[0] < '1' || after[0] > '6' || !isDigit(after[1]) || !isDigit(after[2]) {
		return fl, "bad status code"
	}
	fl.code = int(after[0]-'0')*100 + int(after[1]-'0')*10 + int(after[2]-'0')
	reason := after[3:]
	if len(reason) > 0 {
		trimmed := trimBlanksLeft(reason)
		if len(trimmed) == len(reason) {
			return firstLine{}, "bad status code"
		}
		reason = trimmed
	}
	fl.reason = reason
	return fl, ""
}

// parseRequestLine parses "METHOD Request-URI SIP/2.0".
func parseRequestLine(line []byte) (fl firstLine, why string) {
	i := 0
	for i < len(line) && isTokenByte(line[i]) {
		i++
	}
	if i == 0 {
		return fl, "no method"
	}
	method := line[:i]
	rest := trimBlanksLeft(line[i:])
	if len(rest) == len(line)-i {
		return fl, "bad method"
	}
	j := 0
	for j < len(rest) && !isBlank(rest[j]) {
		j++
	}
	if j == 0 {
		return fl, "no Request-URI"
	}
	uri := rest[:j]
	version := trimBlanksLeft(rest[j:])
	if len(version) == len(rest)-j {
		return fl, "no SIP version"
	}
	if !bytes.EqualFold(version, []byte(sipVersion)) {
		return fl, "not SIP/2.0"
	}
	return firstLine{method: method, uri: uri}, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isTokenByte reports whether c may appear in an RFC 3261 token:
// alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c):
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func trimBlanksLeft(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	return b
}

func trimBlanksRight(b []byte) []byte {
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
