//go:build !linux

package wheel

import "syscall"

// runSetPriority adds delta to the nice value of process pid, as POE's
// Priority; failures are ignored, as POE ignores them.
func runSetPriority(pid, delta int) {
	nice, err := syscall.Getpriority(syscall.PRIO_PROCESS, pid)
	if err != nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, pid, nice+delta)
}
