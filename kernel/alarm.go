package kernel

import "time"

// AlarmID identifies a timer made by AlarmSet or DelaySet.
type AlarmID uint64

// Alarm describes a removed timer.
type Alarm struct {
	Event string
	At    time.Time
	Args  []any
}

// timerOwner returns the session timers are set on, or an error outside a
// session.
func (k *Kernel) timerOwner(event string) (*Session, error) {
	s := k.cur()
	if s == k.c.kses || s.dead {
		return nil, ErrNoSuchSession
	}
	if event == "" {
		return nil, ErrInvalid
	}
	return s, nil
}

// tick reads the clock and advances the cached clock that stamps posts.
func (c *core) tick() time.Duration {
	now := c.now()
	c.qmu.Lock()
	if int64(now) > c.clock {
		c.clock = int64(now)
	}
	c.qmu.Unlock()
	return now
}

func (c *core) setTimer(s *Session, name string, due time.Duration, args []any) (AlarmID, error) {
	from := c.callerState(s)
	seq, err := c.push(s, s, name, etAlarm, args, int64(due), nil, from)
	return AlarmID(seq), err
}

func (c *core) atDue(at time.Time) time.Duration { return at.Sub(c.origin) }

func (c *core) dueTime(due int64) time.Time { return c.origin.Add(time.Duration(due)) }

// clearTimers removes the session's timers for which keep returns false
// and returns them in due order.
func (c *core) clearTimers(s *Session, match func(*event) bool) []*event {
	c.qmu.Lock()
	var found []*event
	for _, e := range c.q.timers {
		if e.dest == s && match(e) {
			found = append(found, e)
		}
	}
	for _, e := range found {
		c.q.remove(e)
		c.unrefEventLocked(e)
	}
	c.qmu.Unlock()
	sortEvents(found)
	return found
}

func sortEvents(es []*event) {
	h := timerHeap(es)
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h.Less(j, j-1); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// Alarm sets a timer for event at time at, replacing the session's other
// timers for the same event. A time in the past is due at once.
func (k *Kernel) Alarm(event string, at time.Time, args ...any) error {
	s, err := k.timerOwner(event)
	if err != nil {
		return err
	}
	k.AlarmClear(event)
	k.c.tick()
	_, err = k.c.setTimer(s, event, k.c.atDue(at), args)
	return err
}

// AlarmClear removes the current session's timers for event, as POE's
// alarm(event) with no time.
func (k *Kernel) AlarmClear(name string) {
	s := k.cur()
	if s == k.c.kses {
		return
	}
	k.c.clearTimers(s, func(e *event) bool { return e.name == name })
}

// AlarmAdd adds a timer for event at time at, keeping the others.
func (k *Kernel) AlarmAdd(event string, at time.Time, args ...any) error {
	s, err := k.timerOwner(event)
	if err != nil {
		return err
	}
	_, err = k.c.setTimer(s, event, k.c.atDue(at), args)
	return err
}

// AlarmSet adds a timer for event at time at and returns its ID.
func (k *Kernel) AlarmSet(event string, at time.Time, args ...any) (AlarmID, error) {
	s, err := k.timerOwner(event)
	if err != nil {
		return 0, err
	}
	return k.c.setTimer(s, event, k.c.atDue(at), args)
}

// Delay sets a timer for event d from now, replacing the session's other
// timers for the same event. A zero d is a valid delay; a negative one is
// ErrInvalid.
func (k *Kernel) Delay(event string, d time.Duration, args ...any) error {
	s, err := k.timerOwner(event)
	if err != nil {
		return err
	}
	if d < 0 {
		return ErrInvalid
	}
	k.AlarmClear(event)
	_, err = k.c.setTimer(s, event, k.c.tick()+d, args)
	return err
}

// DelayClear removes the current session's timers for event.
func (k *Kernel) DelayClear(event string) { k.AlarmClear(event) }

// DelayAdd adds a timer for event d from now, keeping the others.
func (k *Kernel) DelayAdd(event string, d time.Duration, args ...any) error {
	s, err := k.timerOwner(event)
	if err != nil {
		return err
	}
	if d < 0 {
		return ErrInvalid
	}
	_, err = k.c.setTimer(s, event, k.c.tick()+d, args)
	return err
}

// DelaySet adds a timer for event d from now and returns its ID.
func (k *Kernel) DelaySet(event string, d time.Duration, args ...any) (AlarmID, error) {
	s, err := k.timerOwner(event)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, ErrInvalid
	}
	return k.c.setTimer(s, event, k.c.tick()+d, args)
}

// AlarmAdjust moves the current session's timer id by d (which may be
// negative) and returns its new due time.
func (k *Kernel) AlarmAdjust(id AlarmID, d time.Duration) (time.Time, error) {
	return k.moveTimer(id, func(due int64) int64 { return due + int64(d) })
}

// DelayAdjust makes the current session's timer id due d from now and
// returns its new due time.
func (k *Kernel) DelayAdjust(id AlarmID, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, ErrInvalid
	}
	now := int64(k.c.tick())
	return k.moveTimer(id, func(int64) int64 { return now + int64(d) })
}

func (k *Kernel) moveTimer(id AlarmID, move func(int64) int64) (time.Time, error) {
	c := k.c
	s := k.cur()
	c.qmu.Lock()
	defer c.qmu.Unlock()
	e := c.q.byID[uint64(id)]
	if e == nil {
		return time.Time{}, ErrNoSuchSession
	}
	if e.dest != s {
		return time.Time{}, ErrNotPermitted
	}
	c.q.remove(e)
	e.due = move(e.due)
	c.q.pushTimer(e)
	return c.dueTime(e.due), nil
}

// AlarmRemove removes the current session's timer id and returns it.
func (k *Kernel) AlarmRemove(id AlarmID) (Alarm, error) {
	s := k.cur()
	found := k.c.clearTimers(s, func(e *event) bool { return e.seq == uint64(id) })
	if len(found) == 0 {
		k.c.qmu.Lock()
		_, other := k.c.q.byID[uint64(id)]
		k.c.qmu.Unlock()
		if other {
			return Alarm{}, ErrNotPermitted
		}
		return Alarm{}, ErrNoSuchSession
	}
	e := found[0]
	return Alarm{Event: e.name, At: k.c.dueTime(e.due), Args: e.args}, nil
}

// AlarmRemoveAll removes every timer of the current session and returns
// them in due order.
func (k *Kernel) AlarmRemoveAll() []Alarm {
	s := k.cur()
	if s == k.c.kses {
		return nil
	}
	found := k.c.clearTimers(s, func(*event) bool { return true })
	out := make([]Alarm, len(found))
	for i, e := range found {
		out[i] = Alarm{Event: e.name, At: k.c.dueTime(e.due), Args: e.args}
	}
	return out
}
