package wheel

import (
	"fmt"
	"sync/atomic"
)

var lastID atomic.Int64

// NewID returns a process-wide unique wheel ID, as
// POE::Wheel::allocate_wheel_id. Any goroutine may call it.
func NewID() int { return int(lastID.Add(1)) }

// stateName is the name of a wheel's internal event in its session. The
// leading NUL keeps it apart from every event a user can name in Perl
// or Go, as POE's "_poe_wheel_..." names do.
func stateName(kind string, id int, what string) string {
	return fmt.Sprintf("\x00wheel %s %d %s", kind, id, what)
}
