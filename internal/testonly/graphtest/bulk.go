package graphtest

import (
	"fmt"
	"time"
)

// Bulk sizes a generated tenant.
type Bulk struct {
	Users  int // users
	Groups int // groups
	Links  int // membership links in all (group -> user), spread over the groups
}

// Population tells where a Populate call put its objects.
type Population struct {
	Bulk
	firstUser, firstGroup uint32
	server                *Server
}

// UserID is the id of the ith generated user (0-based).
func (p Population) UserID(i int) string { return p.server.idOf(p.firstUser + uint32(i)) }

// GroupID is the id of the ith generated group (0-based).
func (p Population) GroupID(i int) string { return p.server.idOf(p.firstGroup + uint32(i)) }

func (s *Server) idOf(i uint32) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenant.idOf(i)
}

// GroupSize is how many members the ith generated group got.
func (p Population) GroupSize(i int) int { return groupSize(p.Bulk, i) }

// BenchTenant is the benchmark tenant: 100,000 users, 20,000 groups and
// 1,000,000 membership links.
var BenchTenant = Bulk{Users: 100_000, Groups: 20_000, Links: 1_000_000}

// BenchLatency is the latency benchmarks add to each request.
const BenchLatency = 100 * time.Millisecond

// NewBench starts a stand-in holding BenchTenant, with BenchLatency per
// request unless opts sets a latency.
func NewBench(opts Options) (*Server, Population) {
	if opts.Latency == 0 {
		opts.Latency = BenchLatency
	}
	s := New(opts)
	return s, s.Populate(BenchTenant)
}

// Populate adds generated users and groups with memberships in one change.
// Generated objects store no strings: ids and attributes derive from their
// position, and members are 4-byte positions, so the benchmark tenant takes
// tens of megabytes. About one group in a thousand is large (a fifth of
// the links between them, at most 10,000 members each); the rest share the
// remaining links evenly.
func (s *Server) Populate(b Bulk) Population {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.tenant
	v := t.next()
	p := Population{Bulk: b, firstUser: uint32(len(t.objects)), firstGroup: uint32(len(t.objects) + b.Users), server: s}
	t.objects = append(t.objects, make([]object, b.Users+b.Groups)...)
	for i := range b.Users {
		t.objects[int(p.firstUser)+i] = object{kind: KindUser, created: v}
	}
	step := uint64(stride(b.Users))
	for g := range b.Groups {
		n := groupSize(b, g)
		members := make([]uint32, n)
		start := uint64(g) * 2654435761 % uint64(max(b.Users, 1))
		for j := range members {
			members[j] = p.firstUser + uint32((start+uint64(j)*step)%uint64(b.Users))
		}
		t.objects[int(p.firstGroup)+g] = object{kind: KindGroup, created: v, members: members}
	}
	return p
}

// groupSize spreads b.Links over the groups: large groups first (one in a
// thousand, at least one), then an even share.
func groupSize(b Bulk, g int) int {
	if b.Groups == 0 || b.Users == 0 {
		return 0
	}
	large := max(1, b.Groups/1000)
	largeSize := min(b.Users, 10_000, b.Links/(5*large))
	if b.Groups == large {
		largeSize = min(b.Users, b.Links/large)
	}
	if g%1000 == 0 && g/1000 < large {
		return largeSize
	}
	rest := b.Links - large*largeSize
	small := b.Groups - large
	n := rest / small
	// index counts the small groups before g; the first ones take the remainder.
	index := g - min(g/1000+1, large)
	if index < rest%small {
		n++
	}
	return min(n, b.Users)
}

// stride is a step coprime with n, so start+j*stride mod n visits distinct users.
func stride(n int) int {
	for _, p := range []int{7919, 104729, 1299709, 15485863} {
		if n%p != 0 {
			return p
		}
	}
	return 1
}

// generatedAttributes are the attributes of a generated object at position i.
func generatedAttributes(kind Kind, i uint32) map[string]any {
	switch kind {
	case KindUser:
		return map[string]any{
			"displayName": fmt.Sprintf("User %d", i), "givenName": fmt.Sprintf("Given%d", i),
			"surname": fmt.Sprintf("Surname%d", i), "userPrincipalName": fmt.Sprintf("user%d@contoso.example", i),
			"mail": fmt.Sprintf("user%d@contoso.example", i), "accountEnabled": true,
			"department": fmt.Sprintf("Department %d", i%50), "jobTitle": "Engineer",
		}
	case KindGroup:
		return map[string]any{
			"displayName": fmt.Sprintf("Group %d", i), "mailNickname": fmt.Sprintf("group%d", i),
			"description": fmt.Sprintf("Generated group %d", i), "securityEnabled": true,
			"mailEnabled": false, "groupTypes": []any{},
		}
	}
	return map[string]any{"displayName": fmt.Sprintf("Object %d", i)}
}
