package socks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// SOCKS 4 commands (the CD field of a request).
const (
	CmdConnect = 1 // CONNECT: relay to DSTIP:DSTPORT
	CmdBind    = 2 // BIND: accept one connection from DSTIP and relay
)

// SOCKS 4 reply codes (the CD field of a reply).
const (
	Granted       = 90 // request granted
	Rejected      = 91 // request rejected or failed
	NoIdentd      = 92 // rejected: the server cannot reach the client's identd
	IdentMismatch = 93 // rejected: identd reports a different user-id
)

// Version is the VN field of a SOCKS 4 request.
const Version = 4

const (
	// MaxField is the longest USERID or 4a host name accepted, in bytes
	// without the terminating NUL. The specifications set no limit; 255
	// is what SOCKS 5 allows a host name, and it bounds what a client can
	// make the server buffer before it is answered.
	MaxField = 255
	// MaxRequestLen is the longest request: the 8 fixed bytes, a USERID
	// and a host name, each with its NUL.
	MaxRequestLen = 8 + MaxField + 1 + MaxField + 1
	// ReplyLen is the length of a reply.
	ReplyLen = 8
)

// Request is a SOCKS 4 or 4a request.
type Request struct {
	Command int        // CmdConnect or CmdBind
	Port    int        // DSTPORT
	IP      netip.Addr // DSTIP; 0.0.0.x (x ≠ 0) with Host for SOCKS 4a
	UserID  string     // USERID, without its NUL
	Host    string     // SOCKS 4a: the host name to resolve; "" for SOCKS 4
}

// is4a reports whether the address is SOCKS 4a's 0.0.0.x marker, x ≠ 0:
// the destination is the host name that follows the USERID.
func is4a(ip [4]byte) bool {
	return ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0
}

// ParseRequest parses one request from the start of b. It returns the
// request and the number of bytes it took; bytes after them are the
// client's first data for the destination. It returns ErrIncomplete when
// b is a valid beginning that needs more bytes, and another error (never a
// panic) when b cannot begin a valid request. Since a request is at most
// MaxRequestLen bytes, ErrIncomplete never comes for longer input.
// Any goroutine may call it.
func ParseRequest(b []byte) (Request, int, error) {
	var r Request
	if len(b) < 1 {
		return r, 0, ErrIncomplete
	}
	if b[0] != Version {
		return r, 0, fmt.Errorf("%w %d", ErrVersion, b[0])
	}
	if len(b) < 2 {
		return r, 0, ErrIncomplete
	}
	if b[1] != CmdConnect && b[1] != CmdBind {
		return r, 0, fmt.Errorf("%w %d", ErrCommand, b[1])
	}
	r.Command = int(b[1])
	if len(b) < 8 {
		return r, 0, ErrIncomplete
	}
	r.Port = int(binary.BigEndian.Uint16(b[2:4]))
	ip := [4]byte(b[4:8])
	if ip == [4]byte{} {
		return r, 0, ErrAddress
	}
	r.IP = netip.AddrFrom4(ip)
	user, n, err := field(b, 8)
	if err != nil {
		if errors.Is(err, ErrIncomplete) {
			return r, 0, err
		}
		return r, 0, ErrUserID
	}
	r.UserID = user
	if !is4a(ip) {
		return r, n, nil
	}
	host, n, err := field(b, n)
	switch {
	case errors.Is(err, ErrIncomplete):
		return r, 0, err
	case err != nil || host == "":
		return r, 0, ErrHost
	}
	r.Host = host
	return r, n, nil
}

// field reads a NUL-terminated field of at most MaxField bytes starting at
// b[at]. It returns the field and the offset after its NUL.
func field(b []byte, at int) (string, int, error) {
	end := min(len(b), at+MaxField+1)
	for i := at; i < end; i++ {
		if b[i] == 0 {
			return string(b[at:i]), i + 1, nil
		}
	}
	if end-at > MaxField {
		return "", 0, ErrField // MaxField+1 bytes and no NUL among them
	}
	return "", 0, ErrIncomplete
}

// AppendRequest appends r's encoding to b, as a client sends it: SOCKS 4a
// when Host is set (DSTIP is then r.IP if it is a 0.0.0.x marker, else
// 0.0.0.1). It returns ErrField for a request ParseRequest would refuse.
// Any goroutine may call it.
func AppendRequest(b []byte, r Request) ([]byte, error) {
	if r.Command != CmdConnect && r.Command != CmdBind {
		return b, fmt.Errorf("%w: command %d", ErrField, r.Command)
	}
	if r.Port < 0 || r.Port > 0xffff {
		return b, fmt.Errorf("%w: port %d", ErrField, r.Port)
	}
	if !okField(r.UserID) {
		return b, fmt.Errorf("%w: USERID", ErrField)
	}
	var ip [4]byte
	switch {
	case r.Host != "":
		if !okField(r.Host) {
			return b, fmt.Errorf("%w: host name", ErrField)
		}
		ip = [4]byte{0, 0, 0, 1}
		if r.IP.Is4() && is4a(r.IP.As4()) {
			ip = r.IP.As4()
		}
	case r.IP.Is4() && r.IP.As4() != [4]byte{}:
		ip = r.IP.As4()
		if is4a(ip) {
			return b, fmt.Errorf("%w: %s without a host name", ErrField, r.IP)
		}
	default:
		return b, fmt.Errorf("%w: address %v", ErrField, r.IP)
	}
	b = append(b, Version, byte(r.Command))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Port))
	b = append(b, ip[:]...)
	b = append(append(b, r.UserID...), 0)
	if r.Host != "" {
		b = append(append(b, r.Host...), 0)
	}
	return b, nil
}

func okField(s string) bool {
	if len(s) > MaxField {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return true
}

// Reply is a SOCKS 4 reply.
type Reply struct {
	Code int        // Granted, Rejected, NoIdentd or IdentMismatch
	Port int        // DSTPORT
	IP   netip.Addr // DSTIP; an address that is not IPv4 is sent as 0.0.0.0
}

// AppendReply appends r's eight bytes to b: VN 0, CD, DSTPORT, DSTIP.
// Any goroutine may call it.
func AppendReply(b []byte, r Reply) []byte {
	b = append(b, 0, byte(r.Code))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Port))
	var ip [4]byte
	if r.IP.Is4() || r.IP.Is4In6() {
		ip = r.IP.Unmap().As4()
	}
	return append(b, ip[:]...)
}

// ParseReply parses a reply from the start of b, as a client reads it.
// It returns ErrIncomplete for fewer than ReplyLen bytes and ErrVersion
// when VN is not 0. Any goroutine may call it.
func ParseReply(b []byte) (Reply, error) {
	if len(b) < ReplyLen {
		return Reply{}, ErrIncomplete
	}
	if b[0] != 0 {
		return Reply{}, fmt.Errorf("%w %d in reply", ErrVersion, b[0])
	}
	return Reply{
		Code: int(b[1]),
		Port: int(binary.BigEndian.Uint16(b[2:4])),
		IP:   netip.AddrFrom4([4]byte(b[4:8])),
	}, nil
}
