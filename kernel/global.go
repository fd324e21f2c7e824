package kernel

import (
	"sync/atomic"
	"time"
)

// running is the kernel whose loop ran the latest batch.
var running atomic.Pointer[Kernel]

// The package functions act on Default(), so that POE's $poe_kernel->run
// reads kernel.Run() and $poe_kernel->post(...) reads kernel.Post(...).

// Run runs the default kernel; see Kernel.Run.
func Run() error { return Default().Run() }

// RunOneTimeslice runs one timeslice of the default kernel.
func RunOneTimeslice() { Default().RunOneTimeslice() }

// Stop stops the default kernel; see Kernel.Stop.
func Stop() { Default().Stop() }

// Post posts an event on the default kernel; see Kernel.Post.
func Post(dest any, event string, args ...any) error { return Default().Post(dest, event, args...) }

// Yield yields an event on the default kernel; see Kernel.Yield.
func Yield(event string, args ...any) { Default().Yield(event, args...) }

// Call calls an event on the default kernel; see Kernel.Call.
func Call(dest any, event string, args ...any) (any, error) {
	return Default().Call(dest, event, args...)
}

// Delay sets a timer on the default kernel; see Kernel.Delay.
func Delay(event string, d time.Duration, args ...any) error {
	return Default().Delay(event, d, args...)
}

// AliasSet sets an alias on the default kernel; see Kernel.AliasSet.
func AliasSet(name string) error { return Default().AliasSet(name) }

// Sig watches a signal on the default kernel; see Kernel.Sig.
func Sig(signal, event string, args ...any) { Default().Sig(signal, event, args...) }

// Signal sends a signal on the default kernel; see Kernel.Signal.
func Signal(dest any, signal string, args ...any) error {
	return Default().Signal(dest, signal, args...)
}

// Current returns the kernel whose handler is running on this program's
// POE-faithful loop, as a view of the session being dispatched; outside
// handlers it returns Default(). While a Parallel kernel runs, it returns
// that kernel's root: sessions run at once there, so a handler that wants
// its session as the parent passes e.Kernel. session.Create uses it when no kernel is
// given, so that sessions created in a handler join that handler's kernel.
func Current() *Kernel {
	if k := running.Load(); k != nil {
		if s := k.c.activeSession(); s != nil && s != k.c.kses {
			return &s.view
		}
		return k
	}
	return Default()
}
