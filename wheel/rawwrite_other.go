//go:build !linux

package wheel

import "syscall"

// rawWriter returns nil where writev is not wired up: the writer
// goroutine does every write.
func rawWriter(any) syscall.RawConn { return nil }

type rawScratch struct{}

// writeNow is never called where rawWriter returns nil.
func writeNow(syscall.RawConn, [][]byte, *rawScratch) int { return 0 }
