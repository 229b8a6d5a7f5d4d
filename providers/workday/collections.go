package workday

import (
	"github.com/sequinsync/sequin/providers"
)

// resource describes one synced REST resource as data; collection turns it into a providers.Collection.
type resource struct {
	// name is the REST resource's path segment, also the collection's name.
	name        string
	description string
	fields      []providers.Field
}

// resources are the synced collections. Objects carry Workday ids (WIDs) and descriptors; references
// to other objects are {"id", "descriptor"} pairs, whose id is kept in a column and the whole in _data.
var resources = []*resource{
	{name: "workers", description: "Workers: employees and contingent workers.", fields: []providers.Field{
		{Name: "descriptor", Type: "text"},
		{Name: "worker_id", Type: "text", Path: "workerId"},
		{Name: "worker_type", Type: "text", Path: "workerType.descriptor"},
		{Name: "business_title", Type: "text", Path: "businessTitle"},
		{Name: "primary_work_email", Type: "text", Path: "primaryWorkEmail"},
		{Name: "is_manager", Type: "boolean", Path: "isManager"},
		{Name: "location", Type: "text", Path: "location.descriptor"},
		{Name: "supervisory_organization_id", Type: "text", Path: "primarySupervisoryOrganization.id"},
		{Name: "primary_job", Type: "jsonb", Path: "primaryJob"},
	}},
	{name: "organizations", description: "Organizations: supervisory organizations, cost centers, companies and the like.", fields: []providers.Field{
		{Name: "descriptor", Type: "text"},
		{Name: "reference_id", Type: "text", Path: "referenceId"},
		{Name: "organization_type", Type: "text", Path: "organizationType.descriptor"},
		{Name: "is_active", Type: "boolean", Path: "isActive"},
		{Name: "manager_id", Type: "text", Path: "manager.id"},
		{Name: "superior_organization_id", Type: "text", Path: "superiorOrganization.id"},
	}},
	{name: "positions", description: "Positions: the headcount slots of supervisory organizations, filled or open.", fields: []providers.Field{
		{Name: "descriptor", Type: "text"},
		{Name: "position_id", Type: "text", Path: "positionId"},
		{Name: "job_profile", Type: "text", Path: "jobProfile.descriptor"},
		{Name: "supervisory_organization_id", Type: "text", Path: "supervisoryOrganization.id"},
		{Name: "worker_id", Type: "text", Path: "worker.id"},
		{Name: "is_filled", Type: "boolean", Path: "isFilled"},
		{Name: "availability_date", Type: "date", Path: "availabilityDate"},
	}},
}

// collectionID is the resource's collection id.
func (r *resource) collectionID() string { return Name + ":" + r.name }

// reportOption is the sync option naming the resource's change report, e.g. "workers_report".
func (r *resource) reportOption() string { return r.name + "_report" }

// buildCollections declares the collections. Deletes are found by sweep: Workday's REST lists have no
// deleted view and a change report lists only objects that still exist (Workday mostly inactivates
// rather than deletes: terminated workers, inactive organizations and closed positions stay listed).
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(resources))
	for i, r := range resources {
		out[i] = &providers.Collection{
			ID:          r.collectionID(),
			Name:        r.name,
			Description: r.description,
			Fields:      r.fields,
			Deletes:     providers.DeletesBySweep,
			Backfill:    r.backfill,
			Checkpoint:  r.checkpoint,
			Changes:     r.changes,
			Get:         r.get,
		}
	}
	return out
}
