package sptest

import (
	"fmt"
	"net/http"
	"strings"
)

// The site's recycle bin. Recycling an item logs a DeleteObject change, as
// any delete does; restoring it puts the item back in its list under the
// same id and logs a Restore change (ChangeType 7) for it, which a change
// query sees only when it asks for Restore.

// recycleBinItemTypeListItem is SP.RecycleBinItemType.ListItem.
const recycleBinItemTypeListItem = 3

// RecycleItems recycles items as a user would from the list's page: each
// goes to the recycle bin and a delete is logged. It returns the recycle
// bin ids, in the order of ids.
func (s *Server) RecycleItems(title string, ids ...int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(title)
	if l == nil {
		return nil, fmt.Errorf("sptest: no list %q", title)
	}
	binIDs := make([]string, 0, len(ids))
	for _, id := range ids {
		binID, ok := s.remove(l, id, true)
		if !ok {
			return binIDs, fmt.Errorf("sptest: list %q has no item %d", title, id)
		}
		binIDs = append(binIDs, binID)
	}
	return binIDs, nil
}

// Restore puts a recycled item back in its list, as a user restoring it
// from the recycle bin does, and logs the restore.
func (s *Server) Restore(recycleBinID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	status, message := s.restore(recycleBinID)
	if status != http.StatusOK {
		return fmt.Errorf("sptest: restore %s: %s", recycleBinID, message)
	}
	return nil
}

// restore is Restore with the caller holding s.mu; it answers an HTTP status.
func (s *Server) restore(recycleBinID string) (int, string) {
	i := s.recycled(recycleBinID)
	if i < 0 {
		return http.StatusNotFound, "Item does not exist. It may have been deleted by another user."
	}
	entry := s.site.recycleBin[i]
	l := s.site.listByID(entry.ListID)
	if l == nil {
		return http.StatusBadRequest, "The list that contained this item no longer exists."
	}
	item := entry.Item
	l.items[item.ID] = &item
	s.site.recycleBin = append(s.site.recycleBin[:i], s.site.recycleBin[i+1:]...)
	s.site.log(l, &item, changeRestore, s.now())
	return http.StatusOK, ""
}

// recycled is the index of a recycle bin entry, or -1.
func (s *Server) recycled(recycleBinID string) int {
	id := strings.Trim(strings.ToLower(recycleBinID), "{}")
	for i, entry := range s.site.recycleBin {
		if entry.RecycleBinID == id {
			return i
		}
	}
	return -1
}

// serveRecycleBin answers <web|site>/RecycleBin (GET, the collection),
// RecycleBin('<id>') (GET) and RecycleBin('<id>')/Restore() (POST).
func (s *Server) serveRecycleBin(w http.ResponseWriter, r *http.Request, f format, segs []segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bin, rest := segs[0], segs[1:]
	if !bin.hasArg {
		if len(rest) != 0 || r.Method != http.MethodGet {
			writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
			return
		}
		selected := selectSet(r.URL.Query().Get("$select"))
		entities := make([]entity, 0, len(s.site.recycleBin))
		for _, entry := range s.site.recycleBin {
			entities = append(entities, s.recycleBinEntity(entry, selected))
		}
		writeCollection(w, f, entities, "")
		return
	}
	id, _ := stringArg(bin.arg)
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		i := s.recycled(id)
		if i < 0 {
			writeError(w, f, http.StatusNotFound, "-2147024809, System.ArgumentException", "Item does not exist. It may have been deleted by another user.")
			return
		}
		writeEntity(w, f, s.recycleBinEntity(s.site.recycleBin[i], selectSet(r.URL.Query().Get("$select"))))
	case len(rest) == 1 && rest[0].name == "restore" && r.Method == http.MethodPost:
		if status, message := s.restore(id); status != http.StatusOK {
			writeError(w, f, status, "-2147024809, System.ArgumentException", message)
			return
		}
		if f == verbose {
			writeJSON(w, f, http.StatusOK, map[string]any{"d": map[string]any{"Restore": nil}})
			return
		}
		writeJSON(w, f, http.StatusOK, map[string]any{"odata.null": true})
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
	}
}

func (s *Server) recycleBinEntity(entry Recycled, selected map[string]bool) entity {
	uri := fmt.Sprintf("%s/_api/Web/RecycleBin('%s')", s.siteURL, entry.RecycleBinID)
	dir := strings.TrimPrefix(s.opts.SitePath, "/") + "/Lists/" + entityName(entry.ListTitle)
	fields := map[string]any{
		"Id": entry.RecycleBinID, "Title": entry.Item.Title, "LeafName": fmt.Sprintf("%d_.000", entry.Item.ID),
		"DirName": dir, "ItemType": recycleBinItemTypeListItem, "ItemState": 1,
		"DeletedDate": entry.Deleted.UTC().Format("2006-01-02T15:04:05Z"), "Size": 0,
	}
	return entity{metadata: map[string]any{"id": uri, "uri": uri, "type": "SP.RecycleBinItem"}, fields: pick(fields, selected)}
}
