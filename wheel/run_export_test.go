package wheel

// Hooks for the external tests.

// ReadSize is the size of one read, the most a reader holds for its session.
const ReadSize = readSize

// RunBytesRead returns how many bytes the wheel has read from the child's
// "STDOUT" or "STDERR".
func RunBytesRead(w *Run, handle string) int64 {
	o := w.stdout
	if handle == "STDERR" {
		o = w.stderr
	}
	if o == nil {
		return 0
	}
	return o.read.Load()
}

// WaitWriter waits until the wheel's writer goroutine, if it was started,
// has ended: Close does not wait for one blocked on a handle it cannot
// interrupt.
func WaitWriter(w *ReadWrite) { w.wwg.Wait() }

// Orphans returns how many chunks a write was busy with when Close
// dropped the queue, which the wheel gives back when that write ends.
func Orphans(w *ReadWrite) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.orphans)
}

// WriterStarted reports whether the wheel has started its writer
// goroutine, which a session that writes everything itself never needs.
func WriterStarted(w *ReadWrite) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wrun
}
