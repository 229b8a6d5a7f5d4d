package shopify

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Inventory levels have no id and no endpoint of their own: /inventory_levels.json lists them for at
// most 50 locations (or inventory items) per request. The collection lists the shop's locations and
// walks them in groups of 50, in id order; a level's id is "<inventory_item_id>:<location_id>".
// Changes use the endpoint's updated_at_min; a level that disappears (an item disconnected from a
// location, a variant deleted) is found by the engine's sweep.

// locationGroup is the most location ids one request may name.
const locationGroup = 50

// inventory is the inventory_levels collection.
type inventory struct {
	fields []providers.Field
}

func (inv *inventory) id() string { return Name + ":inventory_levels" }

func (inv *inventory) collection() *providers.Collection {
	f := feeds{collectionID: inv.id(), updates: inv.fetchUpdates}
	return &providers.Collection{
		ID: inv.id(), Name: "inventory_levels",
		Description: "Available quantities of inventory items (variants) at each location.",
		Fields:      inv.fields, Deletes: providers.DeletesBySweep,
		Backfill: inv.backfill, Get: inv.get, Checkpoint: f.checkpoint, Changes: f.changes,
	}
}

// levelID is the id of an inventory level.
func levelID(item, location string) string { return item + ":" + location }

// splitLevelID splits "<inventory_item_id>:<location_id>".
func splitLevelID(id string) (item, location string, ok bool) {
	item, location, ok = strings.Cut(id, ":")
	return item, location, ok && validID(item) && validID(location)
}

// locations lists the shop's location ids in ascending order.
func locations(ctx context.Context, s *providers.Session) ([]int64, error) {
	resp, err := get(ctx, s, "/locations.json", nil)
	if err != nil {
		return nil, err
	}
	items, err := decodeList(resp, "locations")
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(items))
	for _, raw := range items {
		var h head
		if err := json.Unmarshal(raw, &h); err != nil || !validID(h.ID.String()) {
			return nil, providers.Malformed(err, "shopify: a location without an integer id: %s", clip(string(raw)))
		}
		n, _ := h.ID.Int64()
		ids = append(ids, n)
	}
	slices.Sort(ids)
	return ids, nil
}

// group returns the locations of the group starting at the first location at or after from, and
// the first location of the next group (0 when this is the last).
func group(locs []int64, from int64) (members []int64, next int64) {
	i, _ := slices.BinarySearch(locs, from)
	end := min(i+locationGroup, len(locs))
	if end < len(locs) {
		next = locs[end]
	}
	return locs[i:end], next
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// levelPage reads one page of levels: the first page of the group starting at from (with extra
// filters), or the page pageInfo names. It returns the levels, the next page_info, and the group to
// continue with once this group's pages end (0: none).
func levelPage(ctx context.Context, s *providers.Session, from int64, pageInfo string, extra map[string]string) (*listPage, int64, error) {
	var q map[string][]string
	var next int64
	if pageInfo == "" {
		locs, err := locations(ctx, s)
		if err != nil {
			return nil, 0, err
		}
		members, after := group(locs, from)
		if len(members) == 0 {
			return &listPage{}, 0, nil
		}
		next = after
		q = map[string][]string{"location_ids": {joinIDs(members)}, "limit": {strconv.Itoa(pageSize)}}
		for k, v := range extra {
			q[k] = []string{v}
		}
	}
	lp, err := fetchList(ctx, s, "/inventory_levels.json", "inventory_levels", q, pageInfo, "")
	if err != nil {
		return nil, 0, err
	}
	if lp.next == "" && pageInfo != "" {
		// The group's last page: find where the next group starts.
		locs, err := locations(ctx, s)
		if err != nil {
			return nil, 0, err
		}
		_, next = group(locs, from)
	}
	return lp, next, nil
}

// levelHead is what is read of an inventory level.
type levelHead struct {
	Item      json.Number `json:"inventory_item_id"`
	Location  json.Number `json:"location_id"`
	UpdatedAt string      `json:"updated_at"`
}

// levelRecord turns a level into a record.
func levelRecord(raw json.RawMessage) (providers.Record, error) {
	var h levelHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return providers.Record{}, providers.Malformed(err, "shopify: decoding an inventory level: %v", err)
	}
	id := levelID(h.Item.String(), h.Location.String())
	if _, _, ok := splitLevelID(id); !ok {
		return providers.Record{}, providers.Malformed(nil, "shopify: inventory level without integer item and location ids: %s", clip(string(raw)))
	}
	updated, err := parseTime(h.UpdatedAt)
	if err != nil {
		return providers.Record{}, providers.Malformed(err, "shopify: inventory level %s: %v", id, err)
	}
	return providers.Record{ID: id, UpdatedAt: updated, Data: raw}, nil
}

// backfill lists one page of levels, group of locations after group.
func (inv *inventory) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	bc, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	lp, next, err := levelPage(ctx, s, bc.Location, bc.PageInfo, nil)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Total: -1}
	for _, raw := range lp.items {
		r, err := levelRecord(raw)
		if err != nil {
			return nil, err
		}
		page.Records = append(page.Records, r)
	}
	switch {
	case lp.next != "":
		from := bc.Location
		if from == 0 {
			from = 1 // the first group; any value at or below the first location id names it
		}
		page.NextCursor = backfillCursor{PageInfo: lp.next, Location: from}.String()
	case next != 0:
		page.NextCursor = backfillCursor{Location: next}.String()
	default:
		page.Done = true
	}
	return page, nil
}

// fetchUpdates reads a page of levels updated since the pass's bound.
func (inv *inventory) fetchUpdates(ctx context.Context, s *providers.Session, w *window) (*feedPage, error) {
	from := w.Location
	lp, next, err := levelPage(ctx, s, from, w.PageInfo, map[string]string{"updated_at_min": isoTime(w.Pass)})
	if err != nil {
		return nil, err
	}
	p := &feedPage{next: lp.next}
	switch {
	case lp.next != "":
		p.location = max(from, 1)
	default:
		p.location = next
	}
	for _, raw := range lp.items {
		r, err := levelRecord(raw)
		if err != nil {
			return nil, err
		}
		at := r.UpdatedAt.Unix()
		p.items = append(p.items, item{rec: r, at: at, hash: versionHash(r.ID, raw)})
		p.newest = max(p.newest, at)
	}
	return p, nil
}

// get fetches one level by "<inventory_item_id>:<location_id>".
func (inv *inventory) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	item, location, ok := splitLevelID(id)
	if !ok {
		return nil, notFound(inv.id(), id)
	}
	resp, err := get(ctx, s, "/inventory_levels.json", map[string][]string{"inventory_item_ids": {item}, "location_ids": {location}})
	if err != nil {
		return nil, err
	}
	items, err := decodeList(resp, "inventory_levels")
	if err != nil {
		return nil, err
	}
	for _, raw := range items {
		r, err := levelRecord(raw)
		if err != nil {
			return nil, err
		}
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, notFound(inv.id(), id)
}
