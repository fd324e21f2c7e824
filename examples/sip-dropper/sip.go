package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/dropper"
)

// Errors of the request parser.
var (
	errNoVia       = errors.New("sip-dropper: request without Via")
	errBadHeader   = errors.New("sip-dropper: malformed header line")
	errBadVia      = errors.New("sip-dropper: malformed Via")
	errMissing     = errors.New("sip-dropper: missing mandatory header")
	errBadCSeq     = errors.New("sip-dropper: malformed CSeq")
	errNotRequest  = errors.New("sip-dropper: not a SIP request")
	errTooManyHdrs = errors.New("sip-dropper: too many header fields")
)

// maxHeaders bounds the header fields read from one datagram; the
// datagram itself is at most 64 KiB, so this only keeps a datagram of
// empty lines from costing a slice per line.
const maxHeaders = 256

// defaultExpires is the binding time granted to a Contact without one, as
// a registrar that picks its own default does (RFC 3261 section 10.2.1.1
// leaves it to the registrar).
const defaultExpires = 3600

// request is what the responder needs of a SIP request (RFC 3261 section
// 8.1.1 lists the mandatory header fields).
type request struct {
	method, uri string
	via         []string // every Via value, top first
	from, to    string
	callID      string
	cseq        string
	contact     []string // every Contact value
	expires     string   // the Expires header field, "" if absent
}

// compact maps RFC 3261 section 7.3.3's compact header names, and the long
// names in lower case, to canonical ones.
var compact = map[string]string{
	"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
}

// parseRequest reads a SIP request's start line and header fields. A
// request whose Via is unusable gets errNoVia or errBadVia: no response
// can be routed for it (RFC 3261 section 18.2.2), so it is discarded. A
// request that lacks another mandatory field gets errMissing or
// errBadCSeq, with the fields read so far: it is answered 400.
func parseRequest(p []byte) (request, error) {
	var r request
	fl, err := dropper.ParseFirstLine(p)
	if err != nil {
		return r, fmt.Errorf("%w: %w", errNotRequest, err)
	}
	if fl.IsResponse() {
		return r, errNotRequest
	}
	r.method, r.uri = fl.Method, fl.URI

	// Skip the leading blank lines ParseFirstLine skipped, then the
	// start line.
	p = bytes.TrimLeft(p, "\r\n")
	head := p[bytes.IndexByte(p, '\n')+1:]
	if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		head = head[:i]
	} else if i := bytes.Index(head, []byte("\n\n")); i >= 0 {
		head = head[:i]
	}
	// A bad field is remembered and skipped, so that the Via after it
	// still routes a 400.
	var bad error
	var fields []string
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if hasControl(line) {
			bad = errBadHeader
			continue
		}
		// Folded lines continue the previous field (RFC 3261 section 7.3.1).
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				bad = errBadHeader
				continue
			}
			fields[len(fields)-1] += " " + strings.TrimSpace(line)
			continue
		}
		if len(fields) == maxHeaders {
			return r, errTooManyHdrs
		}
		fields = append(fields, line)
	}
	for _, f := range fields {
		name, value, ok := strings.Cut(f, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			bad = errBadHeader
			continue
		}
		value = strings.TrimSpace(value)
		if long, ok := compact[name]; ok {
			name = long
		}
		switch name {
		case "via":
			r.via = append(r.via, splitList(value)...)
		case "from":
			r.from = value
		case "to":
			r.to = value
		case "call-id":
			r.callID = value
		case "cseq":
			r.cseq = value
		case "contact":
			r.contact = append(r.contact, splitList(value)...)
		case "expires":
			r.expires = value
		}
	}
	if len(r.via) == 0 {
		return r, errNoVia
	}
	if _, err := parseVia(r.via[0]); err != nil {
		return r, err
	}
	if bad != nil {
		return r, bad
	}
	if r.from == "" || r.to == "" || r.callID == "" || r.cseq == "" {
		return r, errMissing
	}
	num, method, ok := strings.Cut(r.cseq, " ")
	method = strings.TrimSpace(method)
	if _, err := strconv.ParseUint(num, 10, 32); !ok || err != nil || method != r.method {
		return r, errBadCSeq
	}
	return r, nil
}

// splitList splits a header value at the commas that separate its values
// (RFC 3261 section 7.3.1), not those inside quotes or angle brackets.
func splitList(v string) []string {
	var out []string
	quoted, angle, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == ',' && !angle:
			if s := strings.TrimSpace(v[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// via is one Via value: "SIP/2.0/UDP host:port;param;param=value".
type via struct {
	protocol string // "SIP/2.0/UDP"
	host     string
	port     int // 0 when sent-by has none
	params   []string
}

// parseVia splits a Via value into its parts.
func parseVia(v string) (via, error) {
	var out via
	head, params, _ := strings.Cut(v, ";")
	proto, sentBy, ok := strings.Cut(strings.TrimSpace(head), " ")
	sentBy = strings.TrimSpace(sentBy)
	if !ok || sentBy == "" || !strings.HasPrefix(strings.ToUpper(proto), "SIP/2.0/") {
		return out, errBadVia
	}
	out.protocol = proto
	out.host = sentBy
	if strings.HasPrefix(sentBy, "[") {
		end := strings.IndexByte(sentBy, ']')
		if end < 0 {
			return out, errBadVia
		}
		out.host = sentBy[:end+1]
		sentBy = sentBy[end+1:]
		if sentBy != "" && sentBy[0] != ':' {
			return out, errBadVia
		}
		sentBy = strings.TrimPrefix(sentBy, ":")
	} else if h, p, ok := strings.Cut(sentBy, ":"); ok {
		out.host, sentBy = h, p
	} else {
		sentBy = ""
	}
	if sentBy != "" {
		port, err := strconv.Atoi(strings.TrimSpace(sentBy))
		if err != nil || port < 1 || port > 65535 {
			return out, errBadVia
		}
		out.port = port
	}
	if out.host == "" || strings.ContainsAny(out.host, " \t") {
		return out, errBadVia
	}
	if params != "" {
		for _, p := range strings.Split(params, ";") {
			if p = strings.TrimSpace(p); p != "" {
				out.params = append(out.params, p)
			}
		}
	}
	return out, nil
}

func (v via) String() string {
	var b strings.Builder
	b.WriteString(v.protocol)
	b.WriteByte(' ')
	b.WriteString(v.host)
	if v.port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(v.port))
	}
	for _, p := range v.params {
		b.WriteByte(';')
		b.WriteString(p)
	}
	return b.String()
}

// param returns the value of the parameter name and whether it is there.
func (v via) param(name string) (string, bool) {
	for _, p := range v.params {
		k, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(val), true
		}
	}
	return "", false
}

// setParam replaces the parameter name, or adds it.
func (v *via) setParam(name, value string) {
	p := name + "=" + value
	for i, q := range v.params {
		k, _, _ := strings.Cut(q, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			v.params[i] = p
			return
		}
	}
	v.params = append(v.params, p)
}

// topVia returns the request's top Via as the response carries it, and
// where the response goes. The source address is recorded in "received"
// when sent-by names another host (RFC 3261 section 18.2.1), and with
// "rport" in the request also the source port (RFC 3581 section 4). The
// response goes to the source address, and to the source port with rport
// or to sent-by's port (5060 by default) without it (RFC 3261 section
// 18.2.2): a client that reads replies on another port than it sends from
// (sipsak without -S) still gets them.
func topVia(v string, src netip.AddrPort) (string, netip.AddrPort) {
	tv, _ := parseVia(v) // parseRequest checked it
	ip := src.Addr().Unmap()
	to := netip.AddrPortFrom(ip, 5060)
	if tv.port != 0 {
		to = netip.AddrPortFrom(ip, uint16(tv.port))
	}
	sentIP, err := netip.ParseAddr(strings.Trim(tv.host, "[]"))
	if err != nil || sentIP.Unmap() != ip {
		tv.setParam("received", ip.String())
	}
	if _, ok := tv.param("rport"); ok {
		tv.setParam("received", ip.String())
		tv.setParam("rport", strconv.Itoa(int(src.Port())))
		to = netip.AddrPortFrom(ip, src.Port())
	}
	return tv.String(), to
}

// paramPart returns the header parameters of a name-addr or addr-spec
// value (From, To, Contact): after the '>' of a name-addr, or after the
// first ';' of a bare addr-spec, whose ';' parameters are the header's
// (RFC 3261 section 20.10).
func paramPart(v string) string {
	if i := strings.LastIndexByte(v, '>'); i >= 0 {
		return v[i+1:]
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		return v[i:]
	}
	return ""
}

// hasParam reports whether the header parameters of v include name.
func hasParam(v, name string) (string, bool) {
	for _, p := range strings.Split(paramPart(v), ";") {
		k, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(val), true
		}
	}
	return "", false
}

// reasons are the reason phrases of the codes the responder sends.
var reasons = map[int]string{200: "OK", 400: "Bad Request", 501: "Not Implemented"}

// reply is a response to send: its bytes, where they go, and what the log
// says about it.
type reply struct {
	payload []byte
	to      netip.AddrPort
	code    int
	method  string
}

// respond returns the response to the datagram p received from src, or
// false when none is due: for a response, an ACK (answered by nobody,
// RFC 3261 section 17.2.1), or a request whose Via cannot route a
// response. REGISTER gets 200 OK, as from a registrar that keeps no
// bindings; a request lacking mandatory fields 400 Bad Request; any other
// method 501 Not Implemented. tag makes the To tag of each response (RFC
// 3261 section 8.2.6.2).
func respond(p []byte, src netip.AddrPort, tag func() string) (reply, bool) {
	r, err := parseRequest(p)
	var code int
	switch {
	case err == nil && r.method == "ACK":
		return reply{}, false
	case err == nil && r.method == "REGISTER":
		code = 200
	case err == nil:
		code = 501
	case errors.Is(err, errMissing), errors.Is(err, errBadCSeq), errors.Is(err, errBadHeader):
		// parseRequest returns these only once the top Via is known good.
		code = 400
	default:
		return reply{}, false
	}

	top, to := topVia(r.via[0], src)
	if to.Port() == 0 {
		return reply{}, false // rport from a source port 0: nowhere to send
	}
	var b strings.Builder
	b.Grow(512)
	b.WriteString("SIP/2.0 ")
	b.WriteString(strconv.Itoa(code))
	b.WriteByte(' ')
	b.WriteString(reasons[code])
	b.WriteString("\r\n")
	header(&b, "Via", top)
	for _, v := range r.via[1:] {
		header(&b, "Via", v)
	}
	header(&b, "From", r.from)
	if r.to != "" {
		if _, ok := hasParam(r.to, "tag"); !ok {
			r.to += ";tag=" + tag()
		}
	}
	header(&b, "To", r.to)
	header(&b, "Call-ID", r.callID)
	header(&b, "CSeq", r.cseq)
	if code == 200 {
		for _, c := range bindings(r) {
			header(&b, "Contact", c)
		}
	}
	if code == 501 {
		header(&b, "Allow", "REGISTER")
	}
	header(&b, "Server", "poe-sip-dropper")
	header(&b, "Content-Length", "0")
	b.WriteString("\r\n")
	return reply{payload: []byte(b.String()), to: to, code: code, method: r.method}, true
}

// bindings returns the Contact values a 200 OK to the REGISTER r lists:
// each contact with the expiry granted (its own expires parameter, else
// the Expires field, else defaultExpires), and none for those removed
// (expiry 0) or for "*" (remove all, RFC 3261 section 10.2.2).
func bindings(r request) []string {
	dflt := uint64(defaultExpires)
	if r.expires != "" {
		if n, err := strconv.ParseUint(r.expires, 10, 32); err == nil {
			dflt = n
		}
	}
	var out []string
	for _, c := range r.contact {
		if c == "*" {
			continue
		}
		if v, ok := hasParam(c, "expires"); ok {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil && n == 0 {
				continue
			}
			out = append(out, c)
			continue
		}
		if dflt == 0 {
			continue
		}
		out = append(out, c+";expires="+strconv.FormatUint(dflt, 10))
	}
	return out
}

// hasControl reports whether s holds a control byte other than HTAB, which
// no header line may hold and none may be copied into a response.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// header writes one header field, leaving out empty ones (a 400 to a
// request that lacks them).
func header(b *strings.Builder, name, value string) {
	if value == "" {
		return
	}
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(value)
	b.WriteString("\r\n")
}
