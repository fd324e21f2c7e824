package kernel

import "slices"

// AliasSet gives the current session a name that Post and Call accept as a
// destination. Setting an alias the session already has succeeds; one held
// by another session returns ErrExists. An alias keeps its session alive.
func (k *Kernel) AliasSet(name string) error {
	c := k.c
	s := k.cur()
	if s == c.kses || s.dead {
		return ErrNoSuchSession
	}
	if name == "" {
		return ErrInvalid
	}
	c.nmu.Lock()
	defer c.nmu.Unlock()
	owner, added := c.aliases.insert(name, s)
	if owner != s {
		return ErrExists
	}
	if !added {
		return nil
	}
	s.addAlias(name)
	c.refInc(s)
	return nil
}

// AliasRemove removes one of the current session's aliases. It returns
// ErrNoSuchSession when no session has the alias and ErrNotPermitted when
// another session has it.
func (k *Kernel) AliasRemove(name string) error {
	c := k.c
	s := k.cur()
	c.nmu.Lock()
	owner := c.aliases.get(name)
	if owner == nil {
		c.nmu.Unlock()
		return ErrNoSuchSession
	}
	if owner != s {
		c.nmu.Unlock()
		return ErrNotPermitted
	}
	c.aliases.delete(name, s)
	s.removeAlias(name)
	c.nmu.Unlock()
	c.refDec(s)
	return nil
}

// AliasResolve returns the session that dest (a *Session, ID or alias)
// names, or nil.
func (k *Kernel) AliasResolve(dest any) *Session { return k.c.resolve(dest) }

// AliasList returns the aliases of the given session, or of the current
// session when none is given, sorted as POE sorts them.
func (k *Kernel) AliasList(s ...*Session) []string {
	target := k.cur()
	if len(s) > 0 && s[0] != nil {
		target = s[0]
	}
	k.c.nmu.RLock()
	defer k.c.nmu.RUnlock()
	list := target.aliasList()
	slices.Sort(list)
	return list
}
