package socks

import "errors"

// Errors of the package. ParseRequest and ParseReply return the first
// ones, wrapped with detail; Spawn returns ErrOptions; an IdentFunc
// returns ErrIdentNoUser.
var (
	// ErrIncomplete means the bytes are a valid start of a request (or
	// reply): read more and parse again.
	ErrIncomplete = errors.New("socks: incomplete message")
	// ErrVersion reports a VN that is not 4 (a request) or 0 (a reply).
	ErrVersion = errors.New("socks: unsupported version")
	// ErrCommand reports a CD that is neither CONNECT (1) nor BIND (2).
	ErrCommand = errors.New("socks: unknown command")
	// ErrAddress reports DSTIP 0.0.0.0, which names no host in SOCKS 4
	// and, being 0.0.0.x with x zero, no host name in SOCKS 4a either.
	ErrAddress = errors.New("socks: invalid destination address 0.0.0.0")
	// ErrUserID reports a USERID longer than MaxField bytes, or one whose
	// NUL is missing where it should have come.
	ErrUserID = errors.New("socks: USERID too long or not terminated")
	// ErrHost reports a SOCKS 4a host name that is empty, longer than
	// MaxField bytes, or not terminated.
	ErrHost = errors.New("socks: 4a host name empty, too long or not terminated")
	// ErrField reports a Request that AppendRequest cannot encode: a
	// field too long, a NUL inside one, an address that is not IPv4, a
	// port out of range.
	ErrField = errors.New("socks: request field cannot be encoded")
	// ErrOptions reports an option out of range.
	ErrOptions = errors.New("socks: invalid options")
	// ErrIdentNoUser is what an IdentFunc returns, wrapped, when the
	// client's identd answered but named no user (an ERROR reply such as
	// NO-USER): the request is rejected with IdentMismatch (93). Any
	// other error means identd could not be asked or gave no usable
	// answer: NoIdentd (92).
	ErrIdentNoUser = errors.New("socks: identd names no user for the connection")
)
