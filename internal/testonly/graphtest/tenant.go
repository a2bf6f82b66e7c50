package graphtest

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is a directory object type.
type Kind uint8

// The directory object types the stand-in knows. Only users and groups
// have delta endpoints here; the others exist to be group members.
const (
	KindUser Kind = iota
	KindGroup
	KindDevice
	KindServicePrincipal
	KindOrgContact
)

// ODataType is the @odata.type Graph gives the kind.
func (k Kind) ODataType() string {
	return [...]string{"#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.device",
		"#microsoft.graph.servicePrincipal", "#microsoft.graph.orgContact"}[k]
}

type objectState uint8

const (
	live objectState = iota
	softDeleted
	hardDeleted
)

// tombstone marks a member position whose membership ended.
const tombstone = 1 << 31

// object is one directory object; generated objects keep attrs nil and
// derive their id and attributes from their index.
type object struct {
	kind      Kind
	state     objectState
	id        string            // "" when derived from the index
	attrs     map[string]any    // nil: generated attributes
	props     map[string]uint64 // lower-case property -> version of its last change
	created   uint64
	stateAt   uint64 // version of the last delete or restore
	memberAt  uint64 // version of the last membership change (groups)
	members   []uint32
	memberLog []memberEvent // membership changes after creation (groups)
	savedIn   []uint32      // groups a soft-deleted object was removed from
	refs      *references   // manager (users) and owners (groups); nil for none
}

type memberEvent struct {
	member  uint32
	version uint64
	removed bool
}

// tenant is the directory: objects in creation order, a version counter
// that grows with every change, and an index for ids not derived from a
// position.
type tenant struct {
	objects []object
	custom  map[string]uint32
	version uint64
}

func newTenant() tenant { return tenant{custom: map[string]uint32{}} }

const derivedPrefix = "5e1f0000-0000-4000-8000-"

// idOf is the object's id.
func (t *tenant) idOf(i uint32) string {
	if id := t.objects[i].id; id != "" {
		return id
	}
	const digits = "0123456789abcdef"
	id := []byte(derivedPrefix + "000000000000")
	for k, n := len(id)-1, uint64(i)+1; n > 0; k, n = k-1, n>>4 {
		id[k] = digits[n&0xf]
	}
	return string(id)
}

// find resolves an id to a position.
func (t *tenant) find(id string) (uint32, bool) {
	id = strings.ToLower(id)
	if tail, ok := strings.CutPrefix(id, derivedPrefix); ok {
		n, err := strconv.ParseUint(tail, 16, 32)
		if err == nil && n >= 1 && n <= uint64(len(t.objects)) && t.objects[n-1].id == "" {
			return uint32(n - 1), true
		}
	}
	i, ok := t.custom[id]
	return i, ok
}

func (t *tenant) next() uint64 {
	t.version++
	return t.version
}

// AddUser adds a user with the given attributes and returns its id.
func (s *Server) AddUser(attrs map[string]any) string { return s.AddObject(KindUser, "", attrs) }

// AddGroup adds a group with the given attributes and returns its id.
func (s *Server) AddGroup(attrs map[string]any) string { return s.AddObject(KindGroup, "", attrs) }

// AddObject adds an object of any kind with an id of the caller's choice
// ("" for a generated one) and returns its id.
func (s *Server) AddObject(kind Kind, id string, attrs map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.tenant
	v := t.next()
	o := object{kind: kind, attrs: map[string]any{}, props: map[string]uint64{}, created: v}
	for k, val := range attrs {
		o.attrs[k] = val
		o.props[strings.ToLower(k)] = v
	}
	if id != "" {
		o.id = strings.ToLower(id)
		t.custom[o.id] = uint32(len(t.objects))
	}
	t.objects = append(t.objects, o)
	return t.idOf(uint32(len(t.objects) - 1))
}

// UpdateUser sets (or, with a nil value, clears to null) attributes of a user.
func (s *Server) UpdateUser(id string, attrs map[string]any) error {
	return s.update(KindUser, id, attrs)
}

// UpdateGroup sets (or, with a nil value, clears to null) attributes of a group.
func (s *Server) UpdateGroup(id string, attrs map[string]any) error {
	return s.update(KindGroup, id, attrs)
}

func (s *Server) update(kind Kind, id string, attrs map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, o, err := s.lookup(kind, id)
	if err != nil {
		return err
	}
	if o.state == hardDeleted {
		return fmt.Errorf("graphtest: %s is deleted", id)
	}
	s.materialize(i)
	v := s.tenant.next()
	for k, val := range attrs {
		o.attrs[k] = val
		o.props[strings.ToLower(k)] = v
	}
	return nil
}

// lookup finds an object of the kind.
func (s *Server) lookup(kind Kind, id string) (uint32, *object, error) {
	i, ok := s.tenant.find(id)
	if !ok || s.tenant.objects[i].kind != kind {
		return 0, nil, fmt.Errorf("graphtest: no %s with id %s", strings.TrimPrefix(kind.ODataType(), "#microsoft.graph."), id)
	}
	return i, &s.tenant.objects[i], nil
}

// SoftDeleteUser deletes a user restorably (reported with reason changed).
func (s *Server) SoftDeleteUser(id string) error { return s.remove(KindUser, id, softDeleted) }

// SoftDeleteGroup deletes a group restorably (reported with reason changed).
func (s *Server) SoftDeleteGroup(id string) error { return s.remove(KindGroup, id, softDeleted) }

// HardDeleteUser deletes a user for good (reported with reason deleted).
func (s *Server) HardDeleteUser(id string) error { return s.remove(KindUser, id, hardDeleted) }

// HardDeleteGroup deletes a group for good (reported with reason deleted).
func (s *Server) HardDeleteGroup(id string) error { return s.remove(KindGroup, id, hardDeleted) }

// HardDelete deletes an object of any kind for good.
func (s *Server) HardDelete(kind Kind, id string) error { return s.remove(kind, id, hardDeleted) }

// remove deletes an object; its memberships end (and come back on restore).
func (s *Server) remove(kind Kind, id string, to objectState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, o, err := s.lookup(kind, id)
	if err != nil {
		return err
	}
	if o.state == hardDeleted || o.state == to {
		return fmt.Errorf("graphtest: %s is already deleted", id)
	}
	v := s.tenant.next()
	if o.state == live {
		groups := s.dropMemberships(i, v)
		if to == softDeleted {
			o.savedIn = groups
		}
	}
	if to == hardDeleted {
		o.savedIn = nil
	}
	o.state, o.stateAt = to, v
	return nil
}

// RestoreUser brings back a soft-deleted user with its memberships.
func (s *Server) RestoreUser(id string) error { return s.restore(KindUser, id) }

// RestoreGroup brings back a soft-deleted group with its memberships.
func (s *Server) RestoreGroup(id string) error { return s.restore(KindGroup, id) }

func (s *Server) restore(kind Kind, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, o, err := s.lookup(kind, id)
	if err != nil {
		return err
	}
	if o.state != softDeleted {
		return fmt.Errorf("graphtest: %s is not soft-deleted", id)
	}
	v := s.tenant.next()
	o.state, o.stateAt = live, v
	for _, g := range o.savedIn {
		s.addMember(g, i, v)
	}
	o.savedIn = nil
	return nil
}

// AddMember adds memberID (any kind) to the group.
func (s *Server) AddMember(groupID, memberID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, err := s.membership(groupID, memberID)
	if err != nil {
		return err
	}
	if s.memberPos(g, m) >= 0 {
		return fmt.Errorf("graphtest: %s is already a member of %s", memberID, groupID)
	}
	s.addMember(g, m, s.tenant.next())
	return nil
}

// RemoveMember ends memberID's membership of the group.
func (s *Server) RemoveMember(groupID, memberID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, err := s.membership(groupID, memberID)
	if err != nil {
		return err
	}
	pos := s.memberPos(g, m)
	if pos < 0 {
		return fmt.Errorf("graphtest: %s is not a member of %s", memberID, groupID)
	}
	s.dropMember(g, pos, s.tenant.next())
	return nil
}

func (s *Server) membership(groupID, memberID string) (uint32, uint32, error) {
	g, group, err := s.lookup(KindGroup, groupID)
	if err != nil {
		return 0, 0, err
	}
	m, ok := s.tenant.find(memberID)
	if !ok {
		return 0, 0, errNoObject(memberID)
	}
	if group.state != live || s.tenant.objects[m].state != live {
		return 0, 0, fmt.Errorf("graphtest: %s or %s is deleted", groupID, memberID)
	}
	return g, m, nil
}

// memberPos is the position of m in g's member list, or -1.
func (s *Server) memberPos(g, m uint32) int {
	for pos, member := range s.tenant.objects[g].members {
		if member == m {
			return pos
		}
	}
	return -1
}

func (s *Server) addMember(g, m uint32, v uint64) {
	o := &s.tenant.objects[g]
	o.members = append(o.members, m)
	o.memberLog = append(o.memberLog, memberEvent{member: m, version: v})
	o.memberAt = v
}

func (s *Server) dropMember(g uint32, pos int, v uint64) {
	o := &s.tenant.objects[g]
	m := o.members[pos]
	o.members[pos] = m | tombstone
	o.memberLog = append(o.memberLog, memberEvent{member: m, version: v, removed: true})
	o.memberAt = v
}

// dropMemberships ends every membership of m and returns the groups.
func (s *Server) dropMemberships(m uint32, v uint64) []uint32 {
	var groups []uint32
	for g := range s.tenant.objects {
		o := &s.tenant.objects[g]
		if o.kind != KindGroup {
			continue
		}
		for pos, member := range o.members {
			if member == m {
				s.dropMember(uint32(g), pos, v)
				groups = append(groups, uint32(g))
				break
			}
		}
	}
	return groups
}

// materialize gives a generated object its own attribute map.
func (s *Server) materialize(i uint32) {
	o := &s.tenant.objects[i]
	if o.attrs == nil {
		o.attrs = generatedAttributes(o.kind, i)
	}
	if o.props == nil {
		o.props = map[string]uint64{}
	}
}

// attributes are the object's current attributes (generated ones made
// on the fly).
func (s *Server) attributes(i uint32) map[string]any {
	o := &s.tenant.objects[i]
	if o.attrs != nil {
		return o.attrs
	}
	return generatedAttributes(o.kind, i)
}

func errNoObject(id string) error { return fmt.Errorf("graphtest: no object with id %s", id) }
