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
