//go:build !unix

package filter_test

import "time"

// cpuClock is zero where getrusage is missing: cpu-ns/op then reads 0.
func cpuClock() time.Duration { return 0 }
