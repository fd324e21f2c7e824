// Package ident is the grammar of the Identification Protocol, RFC 1413,
// shared by component/identserver and component/identclient: it parses
// requests and replies and formats replies. It is a pure codec: no I/O.
package ident

import (
	"errors"
	"strconv"
	"strings"
)

const (
	// MaxLine is the longest request or reply line, without its
	// terminator: RFC 1413 §6 lets a client abort after 1000 characters
	// without an EOL, and the server applies the same bound to requests.
	MaxLine = 1000
	// MaxUserID is the longest identification string: RFC 1413's
	// <octet-string> is 1*512 octets.
	MaxUserID = 512
	// MaxToken is the longest opsys, charset or error token (1*64).
	MaxToken = 64
)

// Errors of the parsers.
var (
	// ErrInvalidPort reports a request that is not a port pair in
	// 1..65535; the server answers it with ERROR : INVALID-PORT.
	ErrInvalidPort = errors.New("ident: invalid port pair")
	// ErrMalformed reports a reply that does not follow RFC 1413's grammar.
	ErrMalformed = errors.New("ident: malformed reply")
	// ErrTooLong reports a line longer than MaxLine.
	ErrTooLong = errors.New("ident: line longer than 1000 characters")
)

// The error tokens RFC 1413 §5 defines. Others must begin with "X".
const (
	InvalidPort  = "INVALID-PORT"
	NoUser       = "NO-USER"
	HiddenUser   = "HIDDEN-USER"
	UnknownError = "UNKNOWN-ERROR"
)

// isBlank reports RFC 1413's white space: blanks and tabs, which may stand
// between the tokens of requests and replies.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func trimBlanks(s string) string {
	i, j := 0, len(s)
	for i < j && isBlank(s[i]) {
		i++
	}
	for j > i && isBlank(s[j-1]) {
		j--
	}
	return s[i:j]
}

// maxPortDigits bounds the significant digits of a port we echo; a longer
// number is garbage, answered with the pair 0 , 0.
const maxPortDigits = 6

// parsePort reads a port written as decimal digits, leading zeros allowed.
// ok is false when s is not digits or has more than maxPortDigits
// significant ones; the value may still be out of 1..65535.
func parsePort(s string) (n int, ok bool) {
	if s == "" {
		return 0, false
	}
	sig := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if sig > 0 || c != '0' {
			sig++
		}
		if sig > maxPortDigits {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseRequest parses a query line, RFC 1413 §4: "<port-on-server> ,
// <port-on-client>", decimal ports in 1..65535 (leading zeros allowed),
// blanks and tabs around each token. The line comes without its LF; one
// trailing CR (of a CR LF) is ignored. Lines longer than MaxLine fail with
// ErrTooLong.
//
// On ErrInvalidPort, p1 and p2 are the ports as read when the line is a
// pair of numbers (one of them out of range), so the answer can echo them,
// and 0, 0 for anything else.
func ParseRequest(line string) (p1, p2 int, err error) {
	line = strings.TrimSuffix(line, "\r")
	if len(line) > MaxLine {
		return 0, 0, ErrTooLong
	}
	a, b, found := strings.Cut(line, ",")
	if !found {
		return 0, 0, ErrInvalidPort
	}
	p1, ok1 := parsePort(trimBlanks(a))
	p2, ok2 := parsePort(trimBlanks(b))
	if !ok1 || !ok2 {
		return 0, 0, ErrInvalidPort
	}
	if !ValidPort(p1) || !ValidPort(p2) {
		return p1, p2, ErrInvalidPort
	}
	return p1, p2, nil
}

// ValidPort reports whether p is a TCP port RFC 1413 accepts: 1..65535.
func ValidPort(p int) bool { return p >= 1 && p <= 65535 }

// FormatRequest is the query line, without terminator, a client sends
// about the connection between port p1 on the server and p2 on the client.
func FormatRequest(p1, p2 int) string {
	return strconv.Itoa(p1) + " , " + strconv.Itoa(p2)
}

// isTokenChar reports RFC 1413's <token-characters>: printable ASCII
// except the colon (and the space, which separates tokens).
func isTokenChar(c byte) bool { return c > ' ' && c < 0x7f && c != ':' }

// IsToken reports whether s is 1 to MaxToken token characters.
func IsToken(s string) bool {
	if s == "" || len(s) > MaxToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// ErrorToken returns the error token to send for t: t upper-cased when it
// is one of RFC 1413's four or a token beginning with "X" (an
// implementation's own, 2 to 64 characters), else UNKNOWN-ERROR, as §5
// says for "any error not covered above".
func ErrorToken(t string) string {
	u := strings.ToUpper(trimBlanks(t))
	switch u {
	case InvalidPort, NoUser, HiddenUser, UnknownError:
		return u
	}
	if len(u) >= 2 && u[0] == 'X' && IsToken(u) {
		return u
	}
	return UnknownError
}

// validOpSys reports whether s is an <opsys-field>: an opsys token and an
// optional "," and charset token. The opsys itself may not hold a comma.
func validOpSys(s string) bool {
	os, cs, hasCS := strings.Cut(s, ",")
	if !IsToken(os) {
		return false
	}
	return !hasCS || IsToken(cs)
}

// CleanUserID makes a user's identification safe to send: RFC 1413's
// <octet-string> may hold any octet but NUL, CR and LF, so those are
// removed, and it is cut to MaxUserID octets.
func CleanUserID(s string) string {
	if strings.ContainsAny(s, "\x00\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case 0, '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	if len(s) > MaxUserID {
		s = s[:MaxUserID]
	}
	return s
}

// FormatUserID is the USERID reply line, without terminator. opsys must
// be an <opsys-field> ("UNIX", "OTHER", "UNIX , UTF-8" ...; blanks around
// the comma are dropped) and userid more than blanks once cleaned with
// CleanUserID; otherwise the reply is ERROR : UNKNOWN-ERROR, never a line
// a client could misread.
func FormatUserID(p1, p2 int, opsys, userid string) string {
	opsys = normalizeOpSys(opsys)
	userid = CleanUserID(userid)
	if !validOpSys(opsys) || trimBlanks(userid) == "" {
		return FormatError(p1, p2, UnknownError)
	}
	return FormatRequest(p1, p2) + " : USERID : " + opsys + " : " + userid
}

func normalizeOpSys(s string) string {
	os, cs, hasCS := strings.Cut(s, ",")
	if !hasCS {
		return trimBlanks(s)
	}
	return trimBlanks(os) + "," + trimBlanks(cs)
}

// FormatError is the ERROR reply line, without terminator, with the token
// ErrorToken(token).
func FormatError(p1, p2 int, token string) string {
	return FormatRequest(p1, p2) + " : ERROR : " + ErrorToken(token)
}

// Reply is a parsed reply line.
type Reply struct {
	Port1, Port2 int
	// Error is the error token of an ERROR reply, "" for USERID.
	Error string
	// OpSys, Charset and UserID are a USERID reply's fields. Charset is
	// "" when the reply names none (RFC 1413: US-ASCII).
	OpSys, Charset, UserID string
}

// ParseReply parses a reply line (without its LF; a trailing CR is
// ignored): "<port> , <port> : USERID : <opsys>[,<charset>] : <userid>"
// or "<port> , <port> : ERROR : <token>". Keywords are matched without
// regard to case; blanks around tokens are ignored. The userid is
// everything after the third colon, its leading blanks removed (as
// Net::Ident does, since daemons put a space there) and, unless the opsys
// is OTHER or a charset is given, its trailing blanks too. It may contain
// colons. A reply that does not fit is ErrMalformed; one over MaxLine is
// ErrTooLong.
func ParseReply(line string) (Reply, error) {
	var r Reply
	line = strings.TrimSuffix(line, "\r")
	if len(line) > MaxLine {
		return r, ErrTooLong
	}
	pair, rest, ok := strings.Cut(line, ":")
	if !ok {
		return r, ErrMalformed
	}
	a, b, ok := strings.Cut(pair, ",")
	if !ok {
		return r, ErrMalformed
	}
	var ok1, ok2 bool
	r.Port1, ok1 = parsePort(trimBlanks(a))
	r.Port2, ok2 = parsePort(trimBlanks(b))
	if !ok1 || !ok2 {
		return r, ErrMalformed
	}
	kind, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return r, ErrMalformed
	}
	switch strings.ToUpper(trimBlanks(kind)) {
	case "ERROR":
		tok := trimBlanks(rest)
		if !IsToken(tok) {
			return r, ErrMalformed
		}
		r.Error = tok
		return r, nil
	case "USERID":
		field, id, ok := strings.Cut(rest, ":")
		if !ok {
			return r, ErrMalformed
		}
		field = normalizeOpSys(field)
		if !validOpSys(field) {
			return r, ErrMalformed
		}
		r.OpSys, r.Charset, _ = strings.Cut(field, ",")
		id = strings.TrimLeft(id, " \t")
		if r.Charset == "" && !strings.EqualFold(r.OpSys, "OTHER") {
			id = strings.TrimRight(id, " \t")
		}
		if id == "" || strings.ContainsRune(id, 0) || strings.ContainsAny(id, "\r\n") {
			return r, ErrMalformed
		}
		r.UserID = id
		return r, nil
	}
	return r, ErrMalformed
}
