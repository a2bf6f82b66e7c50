package graphtest

// PopulateGroup adds, in one change, a group whose members are the first n
// users of p: a group far larger than Populate makes (it caps a group at
// 10,000 members), for the large-group benchmark. It returns the group's id.
func (s *Server) PopulateGroup(p Population, n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.tenant
	v := t.next()
	members := make([]uint32, min(n, p.Users))
	for j := range members {
		members[j] = p.firstUser + uint32(j)
	}
	t.objects = append(t.objects, object{kind: KindGroup, created: v, members: members})
	return t.idOf(uint32(len(t.objects) - 1))
}
