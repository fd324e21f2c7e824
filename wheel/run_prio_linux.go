package wheel

import "syscall"

// runSetPriority adds delta to the nice value of process pid, as POE's
// Priority. Linux's getpriority returns 20 - nice; failures are ignored,
// as POE ignores them.
func runSetPriority(pid, delta int) {
	raw, err := syscall.Getpriority(syscall.PRIO_PROCESS, pid)
	if err != nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, pid, 20-raw+delta)
}
