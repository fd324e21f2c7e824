package socks

import (
	"context"
	"errors"
	"net/netip"
)

// defaultIdent is the RFC 1413 lookup used when Options.Ident is set and
// IdentLookup is not.
func defaultIdent(ctx context.Context, client, server netip.AddrPort) (string, error) {
	return "", errors.New("socks: no ident client yet")
}
