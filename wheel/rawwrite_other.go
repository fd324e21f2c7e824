//go:build !linux

package wheel

import "syscall"

// rawWriter returns nil where writev is not wired up: the writer
// goroutine does every write.
func rawWriter(any) syscall.RawConn { return nil }

type rawScratch struct{}

// rawReader returns nil: the reader reads through the handle.
func rawReader(any) syscall.RawConn { return nil }

// readNow is never called where rawReader returns nil.
func readNow(uintptr, int) (*[]byte, int, error, bool) { return nil, 0, nil, true }

// writeNow is never called where rawWriter returns nil.
func writeNow(syscall.RawConn, [][]byte, *rawScratch) int { return 0 }
