package socks

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/seed02617006/poe/component/identclient"
)

// defaultIdent is the RFC 1413 lookup used when Options.Ident is set and
// IdentLookup is not: it asks the identd on the client's host, port 113.
func defaultIdent(ctx context.Context, client, server netip.AddrPort) (string, error) {
	return identWith(ctx, identclient.Query{Local: server, Remote: client})
}

// identWith makes the lookup and sorts its failures: an identd's ERROR
// answer (NO-USER, HIDDEN-USER ...) is ErrIdentNoUser, a 93; anything else
// (refused, timeout, a broken answer) means identd could not be asked, a
// 92. The establishment limit bounds it through ctx.
func identWith(ctx context.Context, q identclient.Query) (string, error) {
	r, err := identclient.LookupWith(ctx, q)
	var er *identclient.ErrorReply
	if errors.As(err, &er) {
		return "", fmt.Errorf("%w: identd answered ERROR : %s", ErrIdentNoUser, er.Token)
	}
	if err != nil {
		return "", err
	}
	return r.UserID, nil
}
