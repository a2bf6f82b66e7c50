package graphtest

import "slices"

// Live returns the ids of the live (not deleted) objects of a kind, in
// creation order: what a replica built from delta rounds should hold.
func (s *Server) Live(kind Kind) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for i := range s.tenant.objects {
		if o := &s.tenant.objects[i]; o.kind == kind && o.state == live {
			ids = append(ids, s.tenant.idOf(uint32(i)))
		}
	}
	return ids
}

// Members returns the ids of a group's current members, sorted.
func (s *Server) Members(groupID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, o, err := s.lookup(KindGroup, groupID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range o.members {
		if m&tombstone == 0 {
			ids = append(ids, s.tenant.idOf(m))
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Attributes returns a copy of an object's current attributes.
func (s *Server) Attributes(id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.tenant.find(id)
	if !ok {
		return nil, errNoObject(id)
	}
	attrs := map[string]any{}
	for k, v := range s.attributes(i) {
		attrs[k] = v
	}
	return attrs, nil
}
