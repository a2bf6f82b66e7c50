package graphtest

import (
	"bytes"
	"fmt"
)

// references are the single- and multi-valued references delta tracks
// besides members: a user's manager (manager@delta, with $select=manager)
// and a group's owners (owners@delta, with $select=owners). Each comes as
// a list of {"@odata.type","id"} entries; an ended reference carries
// "@removed":{"reason":"deleted"}, as a member does in members@delta.
type references struct {
	manager   uint32 // position + 1 of the manager; 0 none
	previous  uint32 // position + 1 of the manager before the last change
	managerAt uint64
	owners    []uint32
	ownerLog  []memberEvent
	ownerAt   uint64
}

// changedAfter reports a tracked reference that changed after st.From.
func (r *references) changedAfter(st roundState) bool {
	return (st.Manager && r.managerAt > st.From) || (st.Owners && r.ownerAt > st.From)
}

// refsOf returns the object's references, made on first use.
func (s *Server) refsOf(i uint32) *references {
	o := &s.tenant.objects[i]
	if o.refs == nil {
		o.refs = &references{}
	}
	return o.refs
}

// SetManager makes managerID the user's manager; "" removes the manager.
func (s *Server) SetManager(userID, managerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, user, err := s.lookup(KindUser, userID)
	if err != nil || user.state != live {
		return fmt.Errorf("graphtest: no live user %s", userID)
	}
	next := uint32(0)
	if managerID != "" {
		m, ok := s.tenant.find(managerID)
		if !ok || s.tenant.objects[m].kind != KindUser || s.tenant.objects[m].state != live {
			return fmt.Errorf("graphtest: no live user %s to be a manager", managerID)
		}
		next = m + 1
	}
	r := s.refsOf(u)
	r.previous, r.manager, r.managerAt = r.manager, next, s.tenant.next()
	return nil
}

// AddOwner makes ownerID (a user or a service principal) an owner of the group.
func (s *Server) AddOwner(groupID, ownerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, err := s.membership(groupID, ownerID)
	if err != nil {
		return err
	}
	r := s.refsOf(g)
	for _, o := range r.owners {
		if o == m {
			return fmt.Errorf("graphtest: %s already owns %s", ownerID, groupID)
		}
	}
	v := s.tenant.next()
	r.owners, r.ownerAt = append(r.owners, m), v
	r.ownerLog = append(r.ownerLog, memberEvent{member: m, version: v})
	return nil
}

// RemoveOwner ends ownerID's ownership of the group.
func (s *Server) RemoveOwner(groupID, ownerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, err := s.membership(groupID, ownerID)
	if err != nil {
		return err
	}
	r := s.refsOf(g)
	for k, o := range r.owners {
		if o == m {
			v := s.tenant.next()
			r.owners, r.ownerAt = append(r.owners[:k:k], r.owners[k+1:]...), v
			r.ownerLog = append(r.ownerLog, memberEvent{member: m, version: v, removed: true})
			return nil
		}
	}
	return fmt.Errorf("graphtest: %s does not own %s", ownerID, groupID)
}

// Manager returns the id of the user's manager, "" for none.
func (s *Server) Manager(userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, err := s.lookup(KindUser, userID)
	if err != nil {
		return "", err
	}
	if r := s.tenant.objects[u].refs; r != nil && r.manager != 0 {
		return s.tenant.idOf(r.manager - 1), nil
	}
	return "", nil
}

// Owners returns the ids of the group's owners, in the order they were added.
func (s *Server) Owners(groupID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, err := s.lookup(KindGroup, groupID)
	if err != nil {
		return nil, err
	}
	var ids []string
	if r := s.tenant.objects[g].refs; r != nil {
		for _, o := range r.owners {
			ids = append(ids, s.tenant.idOf(o))
		}
	}
	return ids, nil
}

// renderReferences writes manager@delta and owners@delta when selected
// and, in a changed entry, changed since the token; a whole entry carries
// the current ones. They come once per object, with its first slice.
func (s *Server) renderReferences(b *bytes.Buffer, o *object, st roundState, m mode) {
	r := o.refs
	if r == nil {
		return
	}
	if st.Manager && (m == whole || r.managerAt > st.From) {
		switch {
		case r.manager != 0:
			b.WriteString(`,"manager@delta":[`)
			s.writeRef(b, r.manager-1, false)
			b.WriteByte(']')
		case m != whole && r.previous != 0:
			b.WriteString(`,"manager@delta":[`)
			s.writeRef(b, r.previous-1, true)
			b.WriteByte(']')
		}
	}
	if !st.Owners || (m != whole && r.ownerAt <= st.From) {
		return
	}
	b.WriteString(`,"owners@delta":[`)
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if m == whole {
		for _, owner := range r.owners {
			sep()
			s.writeRef(b, owner, false)
		}
	} else {
		log := eventsAfter(r.ownerLog, st.From)
		for pos := range log {
			if lastEvent(log, pos) {
				sep()
				s.writeRef(b, log[pos].member, log[pos].removed)
			}
		}
	}
	b.WriteByte(']')
}

// writeRef writes one {"@odata.type","id"} entry, with @removed when ended.
func (s *Server) writeRef(b *bytes.Buffer, i uint32, removed bool) {
	b.WriteString(`{"@odata.type":"` + s.tenant.objects[i].kind.ODataType() + `","id":`)
	writeID(b, s.tenant.idOf(i))
	if removed {
		b.WriteString(`,"@removed":{"reason":"deleted"}`)
	}
	b.WriteByte('}')
}
