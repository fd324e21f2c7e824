package kernel

import (
	"container/heap"
	"runtime"
	"slices"
)

// evType says how an event entered the queue, as POE's ET_* constants do.
type evType uint16

const (
	etPost    evType = 1 << iota // posted or yielded
	etCall                       // called, never queued
	etStart                      // _start
	etStop                       // _stop
	etSignal                     // a signal
	etGC                         // the _garbage_collect event queued after _start
	etParent                     // _parent
	etChild                      // _child
	etAlarm                      // a timer
	etSigDie                     // the DIE signal of a handler's panic
	etSigChld                    // a SigChild watcher's event
	etControl                    // a request from another goroutine (stop)
	// A Call to the active session's own handler, which POE runs
	// without making it the active event: CALLER_STATE and ActiveEvent
	// stay the caller's.
	etSelf
)

// event is one entry of the kernel's queue. The queue is ordered by
// (due, seq): POE's single priority queue keyed by time, ties in insertion
// order.
type event struct {
	due  int64  // nanoseconds on the kernel's monotonic clock
	seq  uint64 // insertion order; also the AlarmID of a timer
	dest *Session
	src  *Session
	name string
	args []any
	at   *site // where it was posted, when recorded
	from string

	hidx int32 // index in the timer heap, or -1 when in the FIFO
	typ  evType
	dead bool

	// argv holds the arguments of a post with few of them, so that the
	// poster's variadic slice stays on its stack: a post allocates
	// nothing. args points into it then; the handler's Args is valid
	// until it returns, as the event is recycled after (see Event).
	argv [2]any
}

// site is where an event was posted or a Call made, recorded for
// WithCallers and for sessions that trace.
type site struct {
	file string
	line int
}

// callSite records the frame skip above its caller's (0: the caller's
// own line).
func callSite(skip int) *site {
	_, file, line, _ := runtime.Caller(skip + 1)
	return &site{file, line}
}

// where returns the file and line, or "" and 0 for no site.
func (at *site) where() (string, int) {
	if at == nil {
		return "", 0
	}
	return at.file, at.line
}

// setArgs copies args into e, inline when they fit, and returns nil for
// none, as a post without arguments always had.
func (e *event) setArgs(args []any) {
	switch {
	case len(args) == 0:
		e.args = nil
	case len(args) <= len(e.argv):
		n := copy(e.argv[:], args)
		e.args = e.argv[:n:n]
	default:
		e.args = slices.Clone(args)
	}
}

// queue holds posts in a FIFO and timers in a heap. Posts are stamped with
// the clock when they are made, so the FIFO is already sorted by (due, seq)
// and merging its head with the heap's top yields POE's order exactly, at
// O(1) per post.
type queue struct {
	fifo   []*event
	head   int
	timers timerHeap
	byID   map[uint64]*event // timers, for AlarmRemove and AlarmAdjust
	live   int               // entries not marked dead
}

func (q *queue) pushFIFO(e *event) {
	e.hidx = -1
	if q.head > 0 && q.head == len(q.fifo) {
		q.fifo = q.fifo[:0]
		q.head = 0
	} else if q.head >= 1024 && q.head*2 >= len(q.fifo) {
		n := copy(q.fifo, q.fifo[q.head:])
		clear(q.fifo[n:])
		q.fifo = q.fifo[:n]
		q.head = 0
	}
	q.fifo = append(q.fifo, e)
	q.live++
}

func (q *queue) pushTimer(e *event) {
	if q.byID == nil {
		q.byID = make(map[uint64]*event)
	}
	heap.Push(&q.timers, e)
	q.byID[e.seq] = e
	q.live++
}

// peek returns the next live event without removing it.
func (q *queue) peek() *event {
	for q.head < len(q.fifo) && q.fifo[q.head].dead {
		q.fifo[q.head] = nil
		q.head++
	}
	var f *event
	if q.head < len(q.fifo) {
		f = q.fifo[q.head]
	}
	if len(q.timers) == 0 {
		return f
	}
	t := q.timers[0]
	if f == nil || t.due < f.due || (t.due == f.due && t.seq < f.seq) {
		return t
	}
	return f
}

// remove takes e, which peek returned or which is in the timer heap, out of
// the queue.
func (q *queue) remove(e *event) {
	if e.hidx >= 0 {
		heap.Remove(&q.timers, int(e.hidx))
		delete(q.byID, e.seq)
		e.hidx = -1
		q.live--
		return
	}
	if q.head < len(q.fifo) && q.fifo[q.head] == e {
		q.fifo[q.head] = nil
		q.head++
		q.live--
		return
	}
	// In the middle of the FIFO: mark it; peek skips it later.
	if !e.dead {
		e.dead = true
		q.live--
	}
}

// len is the number of events waiting.
func (q *queue) len() int { return q.live }

// matching returns the live events, posts and timers, for which match is
// true, in no set order. The caller may then remove them: removing a
// timer reorders the heap, so it must not happen during the walk.
func (q *queue) matching(match func(*event) bool) []*event {
	var found []*event
	for _, e := range q.fifo[q.head:] {
		if !e.dead && match(e) {
			found = append(found, e)
		}
	}
	for _, e := range q.timers {
		if match(e) {
			found = append(found, e)
		}
	}
	return found
}

// timerHeap is a min-heap of timers by (due, seq).
type timerHeap []*event

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	return h[i].due < h[j].due || (h[i].due == h[j].due && h[i].seq < h[j].seq)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = int32(i)
	h[j].hidx = int32(j)
}
func (h *timerHeap) Push(x any) {
	e := x.(*event)
	e.hidx = int32(len(*h))
	*h = append(*h, e)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	e.hidx = -1
	return e
}
