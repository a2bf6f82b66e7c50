package graphtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// mode is how an object appears in a round.
type mode uint8

const (
	skip    mode = iota
	whole        // new, restored, or any object in a full round: all members
	changed      // changed since the token: member changes since then
	removedSoft
	removedHard
)

// entry is one object on a page, with the raw positions [lo, hi) of its
// member source that this slice covers.
type entry struct {
	obj    uint32
	mode   mode
	lo, hi int
}

// serveDelta answers one delta request.
func (s *Server) serveDelta(w http.ResponseWriter, r *http.Request, resource string) {
	minimal := strings.Contains(strings.ToLower(r.Header.Get("Prefer")), "return=minimal")
	s.mu.Lock()
	st, latest, qerr := s.roundFor(resource, r.URL.Query())
	if qerr != nil {
		s.mu.Unlock()
		if qerr.status == http.StatusGone {
			w.Header().Set("Location", s.url+"/v1.0/"+resource+"/delta")
		}
		writeError(w, qerr.status, qerr.code, qerr.message)
		return
	}
	var body []byte
	if latest {
		st.From, st.Full = s.tenant.version, false
		body = s.renderPage(st, nil, "", s.link(st, "delta"), false)
	} else {
		entries, next, done := s.collect(st)
		nextLink, deltaLink := "", ""
		if done {
			final := st
			final.From, final.Full = st.To, false
			deltaLink = s.link(final, "delta")
		} else {
			st.Cursor = next
			nextLink = s.link(st, "skip")
		}
		body = s.renderPage(st, entries, nextLink, deltaLink, minimal && !st.Full)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Header().Set("request-id", newGUID())
	_, _ = w.Write(body)
}

// link seals the state into a nextLink ($skiptoken) or deltaLink ($deltatoken).
func (s *Server) link(st roundState, kind string) string {
	st.Kind, st.Epoch, st.Issued = kind, s.epoch, s.opts.Clock().Unix()
	param := "$skiptoken="
	if kind == "delta" {
		st.Cursor, st.To = cursor{}, 0
		param = "$deltatoken="
	}
	return s.url + "/v1.0/" + st.Resource + "/delta?" + param + s.sealToken(st)
}

// collect walks the round from its cursor and fills one page: at most
// MaxObjectsPerPage entries and MaxLinksPerPage member links. done means
// the round is complete.
func (s *Server) collect(st roundState) ([]entry, cursor, bool) {
	cur := st.Cursor
	var entries []entry
	links := 0
	for {
		if cur.Object >= len(s.tenant.objects) {
			if !cur.More {
				return entries, cur, true
			}
			cur = cursor{Pass: cur.Pass + 1}
			continue
		}
		i := uint32(cur.Object)
		m := s.qualify(i, st)
		lo, hi, ok := s.unit(i, m, st, cur.Pass)
		if !ok {
			cur.Object, cur.Offset = cur.Object+1, 0
			continue
		}
		if _, _, next := s.unit(i, m, st, cur.Pass+1); next {
			cur.More = true
		}
		lo += cur.Offset
		take := min(hi-lo, MaxLinksPerPage-links)
		if len(entries) == MaxObjectsPerPage || (take == 0 && hi > lo) {
			return entries, cur, false
		}
		entries = append(entries, entry{obj: i, mode: m, lo: lo, hi: lo + take})
		links += take
		if lo+take < hi {
			cur.Offset += take
			return entries, cur, false
		}
		cur.Object, cur.Offset = cur.Object+1, 0
	}
}

// qualify decides whether and how object i appears in the round.
func (s *Server) qualify(i uint32, st roundState) mode {
	o := &s.tenant.objects[i]
	if (st.Resource == "users") != (o.kind == KindUser) || (st.Resource == "groups") != (o.kind == KindGroup) {
		return skip
	}
	switch {
	case st.Full && o.state == live:
		return whole
	case st.Full && o.state == softDeleted && s.opts.RemovedInFullRound:
		return removedSoft
	case st.Full:
		return skip
	case o.state == hardDeleted && max(o.stateAt, o.created) > st.From:
		return removedHard
	case o.state == softDeleted && o.stateAt > st.From:
		return removedSoft
	case o.state != live:
		return skip
	case o.created > st.From || o.stateAt > st.From:
		return whole
	case st.Members && o.kind == KindGroup && o.memberAt > st.From:
		return changed
	case o.refs != nil && o.refs.changedAfter(st):
		return changed
	}
	for name, v := range o.props {
		if v > st.From && (st.All || slices.ContainsFunc(st.Select, func(sel string) bool { return strings.EqualFold(sel, name) })) {
			return changed
		}
	}
	return skip
}

// unit is the slice of object i's member source that the given pass
// covers: pass 0 always (for a qualifying object), later passes the further
// slices of a large group, or a repeat of a user.
func (s *Server) unit(i uint32, m mode, st roundState, pass int) (int, int, bool) {
	if m == skip {
		return 0, 0, false
	}
	o := &s.tenant.objects[i]
	n := s.sourceLen(o, m, st)
	size := s.opts.MemberSlice
	switch {
	case pass == 0:
		return 0, min(n, size), true
	case m == removedSoft || m == removedHard:
		return 0, 0, false
	case o.kind == KindUser:
		every := s.opts.RepeatUsersEvery
		return 0, 0, pass == 1 && every > 0 && int(i)%every == 0
	case pass*size < n:
		return pass * size, min(n, (pass+1)*size), true
	}
	return 0, 0, false
}

// sourceLen is the length of what members@delta slices are cut from:
// the whole member list (positions, with tombstones) or the membership
// events since the token. It counts in member links.
func (s *Server) sourceLen(o *object, m mode, st roundState) int {
	if o.kind != KindGroup || !st.Members {
		return 0
	}
	switch m {
	case whole:
		return len(o.members)
	case changed:
		return len(eventsAfter(o.memberLog, st.From))
	}
	return 0
}

// eventsAfter are the membership events after version from.
func eventsAfter(log []memberEvent, from uint64) []memberEvent {
	return log[sort.Search(len(log), func(k int) bool { return log[k].version > from }):]
}

// renderPage writes the page body in Graph's shape.
func (s *Server) renderPage(st roundState, entries []entry, nextLink, deltaLink string, minimal bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":`)
	writeJSON(&b, s.contextURL(st))
	if nextLink != "" {
		b.WriteString(`,"@odata.nextLink":`)
		writeJSON(&b, nextLink)
	} else {
		b.WriteString(`,"@odata.deltaLink":`)
		writeJSON(&b, deltaLink)
	}
	b.WriteString(`,"value":[`)
	for k, e := range entries {
		if k > 0 {
			b.WriteByte(',')
		}
		s.renderEntry(&b, st, e, minimal)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// contextURL is @odata.context: the entity set and, with $select, the
// selected properties.
func (s *Server) contextURL(st roundState) string {
	context := s.url + "/v1.0/$metadata#" + st.Resource
	if !st.Default {
		names := append([]string(nil), st.Select...)
		if st.Members {
			names = append(names, "members")
		}
		context += "(" + strings.Join(names, ",") + ")"
	}
	return context
}

// renderEntry writes one object: removed ones as id and @removed, others
// with their selected properties, id, and the slice of members@delta.
func (s *Server) renderEntry(b *bytes.Buffer, st roundState, e entry, minimal bool) {
	o := &s.tenant.objects[e.obj]
	b.WriteByte('{')
	if e.mode == removedSoft || e.mode == removedHard {
		reason := "changed"
		if e.mode == removedHard {
			reason = "deleted"
		}
		b.WriteString(`"id":`)
		writeJSON(b, s.tenant.idOf(e.obj))
		b.WriteString(`,"@removed":{"reason":"` + reason + `"}}`)
		return
	}
	attrs := s.attributes(e.obj)
	for _, name := range s.propertyNames(st, attrs) {
		key, value, ok := lookupFold(attrs, name)
		if !ok || (minimal && e.mode == changed && o.props[strings.ToLower(key)] <= st.From) {
			continue
		}
		writeJSON(b, key)
		b.WriteByte(':')
		writeJSON(b, value)
		b.WriteByte(',')
	}
	b.WriteString(`"id":`)
	writeJSON(b, s.tenant.idOf(e.obj))
	if e.lo == 0 || e.mode != whole {
		s.renderReferences(b, o, st, e.mode)
	}
	s.renderMembers(b, o, st, e)
	b.WriteByte('}')
}

// propertyNames are the properties to write: the selection, or every
// attribute (sorted) without $select.
func (s *Server) propertyNames(st roundState, attrs map[string]any) []string {
	if !st.All {
		return st.Select
	}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// renderMembers writes "members@delta" for the entry's slice, if it holds any.
func (s *Server) renderMembers(b *bytes.Buffer, o *object, st roundState, e entry) {
	if o.kind != KindGroup || !st.Members {
		return
	}
	first := true
	write := func(m uint32, removed bool) {
		if first {
			b.WriteString(`,"members@delta":[`)
			first = false
		} else {
			b.WriteByte(',')
		}
		b.WriteString(`{"@odata.type":"` + s.tenant.objects[m].kind.ODataType() + `","id":`)
		writeID(b, s.tenant.idOf(m))
		if removed {
			b.WriteString(`,"@removed":{"reason":"deleted"}`)
		}
		b.WriteByte('}')
	}
	if e.mode == whole {
		for _, m := range o.members[e.lo:e.hi] {
			if m&tombstone == 0 {
				write(m, false)
			}
		}
	} else {
		log := eventsAfter(o.memberLog, st.From)
		for pos := e.lo; pos < e.hi; pos++ {
			if lastEvent(log, pos) {
				write(log[pos].member, log[pos].removed)
			}
		}
	}
	if !first {
		b.WriteByte(']')
	}
}

// lastEvent reports whether log[pos] is the latest event for its member.
func lastEvent(log []memberEvent, pos int) bool {
	for _, later := range log[pos+1:] {
		if later.member == log[pos].member {
			return false
		}
	}
	return true
}

// lookupFold finds an attribute by name, ignoring case as Graph does.
func lookupFold(attrs map[string]any, name string) (string, any, bool) {
	if v, ok := attrs[name]; ok {
		return name, v, true
	}
	for key, v := range attrs {
		if strings.EqualFold(key, name) {
			return key, v, true
		}
	}
	return "", nil, false
}

// writeID writes an id as a JSON string; ids of plain GUID characters
// need no escaping.
func writeID(b *bytes.Buffer, id string) {
	for _, c := range []byte(id) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			writeJSON(b, id)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(id)
	b.WriteByte('"')
}

func writeJSON(b *bytes.Buffer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data = []byte("null")
	}
	b.Write(data)
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0) }
