//go:build !linux

package wheel

import (
	"sync"
	"syscall"
)

// spliceOK says whether forwarding may splice on this system: only Linux
// has splice(2); elsewhere forwarded bytes are read and written.
const spliceOK = false

type pipe struct{}

func (p *pipe) close() {}

var pipePool sync.Pool

func (w *ReadWrite) spliceIn() (*pipe, int, error, bool) { return nil, 0, nil, false }

func spliceOut(syscall.RawConn, *pipe, int, bool, *rawScratch) (int, error) { return 0, nil }
