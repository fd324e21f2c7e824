//go:build !linux

package wheel

import "syscall"

// rawWriter returns nil where writev is not wired up: the writer
// goroutine does every write.
func rawWriter(any) syscall.RawConn { return nil }

type rawScratch struct{}

type rawRead struct {
	c   *rwChunk
	n   int
	err error
	fn  func(uintptr) bool
}

func (r *rawRead) read(uintptr) bool { return true }

// rawReader returns nil: the reader reads through the handle.
func rawReader(any) syscall.RawConn { return nil }

// writeNow is never called where rawWriter returns nil.
func writeNow(syscall.RawConn, [][]byte, *rawScratch) int { return 0 }
