package sptest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Field is a list column.
type Field struct {
	InternalName string
	Title        string // default InternalName
	Type         string // Text, Lookup, LookupMulti…; default Text
	LookupList   string // for lookups: the title of the list it points at
	Indexed      bool   // filterable above the list view threshold
}

// Item is a list item as the stand-in keeps it.
type Item struct {
	ID       int
	UniqueID string
	Title    string
	Lookups  map[string]int // lookup column internal name -> item id it points at
}

// Recycled is an item in the site's recycle bin.
type Recycled struct {
	RecycleBinID string
	ListTitle    string
	ListID       string
	Deleted      time.Time
	Item         Item
}

type list struct {
	id     string
	title  string
	fields map[string]Field // by lower-cased internal name
	items  map[int]*Item
	nextID int
}

// change is one row of the change log (shared by every list, like a content database's).
type change struct {
	number     int64
	listID     string
	itemID     int
	uniqueID   string
	changeType int
	time       time.Time
}

type site struct {
	lists      map[string]*list // by lower-cased title
	changes    []change
	lastNumber int64
	recycleBin []Recycled
	// onChange is told the list of every change logged (webhook notifications).
	onChange func(listID string)
}

// Change types written to the log (Microsoft.SharePoint.Client.ChangeType).
const (
	changeAdd          = 1
	changeDeleteObject = 3
	changeRestore      = 7
)

func newSite() *site {
	return &site{lists: map[string]*list{}, lastNumber: 7_000_000}
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (st *site) listByTitle(title string) *list { return st.lists[strings.ToLower(title)] }

func (st *site) listByID(id string) *list {
	id = strings.Trim(strings.ToLower(id), "{}")
	for _, l := range st.lists {
		if l.id == id {
			return l
		}
	}
	return nil
}

func (st *site) log(l *list, item *Item, changeType int, at time.Time) {
	st.lastNumber++
	st.changes = append(st.changes, change{number: st.lastNumber, listID: l.id, itemID: item.ID,
		uniqueID: item.UniqueID, changeType: changeType, time: at})
	if st.onChange != nil {
		st.onChange(l.id)
	}
}

// numberAt is the number of the last change logged at or before t (0 when none).
func (st *site) numberAt(t time.Time) int64 {
	i := sort.Search(len(st.changes), func(i int) bool { return st.changes[i].time.After(t) })
	if i == 0 {
		return 0
	}
	return st.changes[i-1].number
}

// AddList creates a list with a Title column and the given columns, and returns its id.
func (s *Server) AddList(title string, fields ...Field) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &list{id: newGUID(), title: title, fields: map[string]Field{}, items: map[int]*Item{}, nextID: 1}
	l.fields["title"] = Field{InternalName: "Title", Title: "Title", Type: "Text"}
	for _, f := range fields {
		if f.Title == "" {
			f.Title = f.InternalName
		}
		if f.Type == "" {
			f.Type = "Text"
		}
		l.fields[strings.ToLower(f.InternalName)] = f
	}
	s.site.lists[strings.ToLower(title)] = l
	return l.id
}

// ListID returns a list's id ("" when there is no such list).
func (s *Server) ListID(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.site.listByTitle(title); l != nil {
		return l.id
	}
	return ""
}

// AddItems adds n items to a list; lookups(i) gives the i-th item's lookup
// values (nil for none). It returns the new ids. Each add is logged.
func (s *Server) AddItems(title string, n int, lookups func(i int) map[string]int) ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(title)
	if l == nil {
		return nil, fmt.Errorf("sptest: no list %q", title)
	}
	ids := make([]int, n)
	for i := range n {
		item := &Item{ID: l.nextID, UniqueID: newGUID(), Title: fmt.Sprintf("%s %d", title, l.nextID)}
		if lookups != nil {
			item.Lookups = lookups(i)
		}
		l.items[item.ID] = item
		l.nextID++
		ids[i] = item.ID
		s.site.log(l, item, changeAdd, s.now())
	}
	return ids, nil
}

// DeleteItems deletes items as a user would (no recycle bin), logging each delete.
func (s *Server) DeleteItems(title string, ids ...int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(title)
	if l == nil {
		return fmt.Errorf("sptest: no list %q", title)
	}
	for _, id := range ids {
		item, ok := l.items[id]
		if !ok {
			return fmt.Errorf("sptest: list %q has no item %d", title, id)
		}
		delete(l.items, id)
		s.site.log(l, item, changeDeleteObject, s.now())
	}
	return nil
}

// Items returns a list's items sorted by id.
func (s *Server) Items(title string) []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(title)
	if l == nil {
		return nil
	}
	return sortedItems(l)
}

// RecycleBin returns the site's recycle bin, oldest first.
func (s *Server) RecycleBin() []Recycled {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recycled(nil), s.site.recycleBin...)
}

func sortedItems(l *list) []Item {
	out := make([]Item, 0, len(l.items))
	for _, item := range l.items {
		out = append(out, *item)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// remove takes an item out of a list (to the recycle bin when recycle is
// set) and logs the delete. It returns the recycle bin id, or false when the
// item does not exist.
func (s *Server) remove(l *list, id int, recycle bool) (string, bool) {
	item, ok := l.items[id]
	if !ok {
		return "", false
	}
	delete(l.items, id)
	s.site.log(l, item, changeDeleteObject, s.now())
	if !recycle {
		return "", true
	}
	binID := newGUID()
	s.site.recycleBin = append(s.site.recycleBin, Recycled{RecycleBinID: binID, ListTitle: l.title, ListID: l.id,
		Deleted: s.now(), Item: *item})
	return binID, true
}

// DeleteList removes a list and its items (its change log rows stay).
func (s *Server) DeleteList(title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.site.lists, strings.ToLower(title))
}
