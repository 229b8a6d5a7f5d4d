package github

import (
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Field constructors keep the catalogue below readable.
func text(name string) providers.Field    { return providers.Field{Name: name, Type: "text"} }
func bigint(name string) providers.Field  { return providers.Field{Name: name, Type: "bigint"} }
func integer(name string) providers.Field { return providers.Field{Name: name, Type: "integer"} }
func boolean(name string) providers.Field { return providers.Field{Name: name, Type: "boolean"} }
func jsonb(name string) providers.Field   { return providers.Field{Name: name, Type: "jsonb"} }
func texts(name string) providers.Field   { return providers.Field{Name: name, Type: "text[]"} }
func stamp(name string) providers.Field   { return providers.Field{Name: name, Type: "timestamptz"} }

// mut marks a field writable by mutations.
func mut(f providers.Field) providers.Field { f.Mutable = true; return f }

// at reads a field from a nested path of the object.
func at(f providers.Field, path string) providers.Field { f.Path = path; return f }

// feed is how a collection follows changes.
type feed int

const (
	// feedNone: no filter finds changed objects; the engine re-lists the collection and sweeps deletes.
	feedNone feed = iota
	// feedSince: since=<watermark>&sort=updated&direction=asc (issues, issue comments).
	feedSince
	// feedUpdatedDesc: sort=updated&direction=desc, read until objects older than the watermark (pull
	// requests, whose listing has no since filter).
	feedUpdatedDesc
	// feedCommits: since=<watermark> on the commit date, newest first (commits).
	feedCommits
)

// scope is what a collection's objects belong to.
type scope int

const (
	// scopeRepo: objects of each selected repository, listed repository by repository.
	scopeRepo scope = iota
	// scopeRepos: the selected repositories themselves.
	scopeRepos
	// scopeOrg: the organization's members.
	scopeOrg
)

// kind describes one synced GitHub object type as data; buildCollections turns it into a
// providers.Collection.
type kind struct {
	name        string
	description string
	fields      []providers.Field
	deletes     providers.DeleteDetection
	scope       scope
	// segment is the listing below /repos/{owner}/{repo}/, e.g. "issues/comments".
	segment string
	// backfillQuery lists every object in a stable order (creation, ascending, where GitHub allows).
	backfillQuery string
	feed          feed
	// overlap is how far before the newest update seen the next listing starts, so that updates
	// committed late with an earlier timestamp are not missed.
	overlap time.Duration
	// needsIssues skips repositories whose issues are disabled.
	needsIssues bool
	// issuesOnly drops the pull requests the issues endpoint returns beside the issues.
	issuesOnly bool
	// detailOnly are the keys a single-object answer has beyond the list shape.
	detailOnly []string
	mutations  []providers.MutationKind
}

// collectionID is "github:<name>".
func (k *kind) collectionID() string { return Name + ":" + k.name }

var (
	createUpdate       = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate}
	createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
)

// repoDetailOnly are the keys GET /repos/{owner}/{repo} adds to the listed repository.
var repoDetailOnly = []string{
	"network_count", "subscribers_count", "organization", "parent", "source", "temp_clone_token",
	"security_and_analysis", "custom_properties", "code_of_conduct",
	"allow_rebase_merge", "allow_squash_merge", "allow_merge_commit", "allow_auto_merge", "allow_update_branch",
	"delete_branch_on_merge", "use_squash_pr_title_as_default", "squash_merge_commit_title",
	"squash_merge_commit_message", "merge_commit_title", "merge_commit_message",
}

// kinds is the catalogue of synced GitHub objects.
var kinds = []*kind{
	{
		name: "repositories", scope: scopeRepos, deletes: providers.DeletesBySweep,
		description: "Repositories of the selected organization, owner or list.",
		fields: []providers.Field{
			at(bigint("github_id"), "id"), text("node_id"), text("name"), text("full_name"), at(text("owner_login"), "owner.login"),
			boolean("private"), text("visibility"), text("description"), boolean("fork"), boolean("archived"), boolean("disabled"),
			boolean("is_template"), text("html_url"), text("homepage"), text("language"), texts("topics"), text("default_branch"),
			at(text("license_spdx_id"), "license.spdx_id"), integer("stargazers_count"), integer("watchers_count"),
			integer("forks_count"), integer("open_issues_count"), bigint("size"), boolean("has_issues"), boolean("has_wiki"),
			boolean("has_projects"), boolean("has_discussions"), stamp("created_at"), stamp("updated_at"), stamp("pushed_at"),
		},
		detailOnly: repoDetailOnly,
	},
	{
		name: "issues", scope: scopeRepo, segment: "issues", deletes: providers.DeletesBySweep,
		description: "Issues (not pull requests) of the selected repositories, open and closed.",
		fields: []providers.Field{
			at(bigint("github_id"), "id"), text("node_id"), integer("number"), mut(text("title")), mut(text("body")),
			mut(text("state")), mut(text("state_reason")), at(text("user_login"), "user.login"), mut(jsonb("labels")),
			at(text("assignee_login"), "assignee.login"), mut(jsonb("assignees")), jsonb("milestone"),
			at(text("milestone_title"), "milestone.title"), integer("comments"), boolean("locked"), text("author_association"),
			text("html_url"), text("repository_url"), stamp("created_at"), stamp("updated_at"), stamp("closed_at"),
		},
		backfillQuery: "state=all&sort=created&direction=asc",
		feed:          feedSince, overlap: time.Minute, needsIssues: true, issuesOnly: true,
		detailOnly: []string{"closed_by"},
		mutations:  createUpdate,
	},
	{
		name: "pull_requests", scope: scopeRepo, segment: "pulls", deletes: providers.DeletesNone,
		description: "Pull requests of the selected repositories, open, closed and merged.",
		fields: []providers.Field{
			at(bigint("github_id"), "id"), text("node_id"), integer("number"), text("title"), text("body"), text("state"),
			boolean("draft"), boolean("locked"), at(text("user_login"), "user.login"), at(text("repository"), "base.repo.full_name"),
			at(text("head_ref"), "head.ref"), at(text("head_sha"), "head.sha"), at(text("base_ref"), "base.ref"),
			text("merge_commit_sha"), jsonb("labels"), jsonb("assignees"), jsonb("requested_reviewers"),
			at(text("milestone_title"), "milestone.title"), text("author_association"), text("html_url"),
			stamp("created_at"), stamp("updated_at"), stamp("closed_at"), stamp("merged_at"),
		},
		backfillQuery: "state=all&sort=created&direction=asc",
		feed:          feedUpdatedDesc, overlap: time.Minute,
		detailOnly: []string{"merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments",
			"review_comments", "maintainer_can_modify", "commits", "additions", "deletions", "changed_files"},
	},
	{
		name: "issue_comments", scope: scopeRepo, segment: "issues/comments", deletes: providers.DeletesBySweep,
		description: "Comments on the issues and pull requests of the selected repositories.",
		fields: []providers.Field{
			at(bigint("github_id"), "id"), text("node_id"), mut(text("body")), at(text("user_login"), "user.login"),
			text("issue_url"), text("html_url"), text("author_association"), at(integer("reactions_total"), "reactions.total_count"),
			stamp("created_at"), stamp("updated_at"),
		},
		backfillQuery: "sort=created&direction=asc",
		feed:          feedSince, overlap: time.Minute,
		mutations: createUpdateDelete,
	},
	{
		// Commits are read from each repository's default branch. Their since filter is on the commit
		// date, which git clients set; a commit pushed long after it was made is older than the
		// watermark and is found by the next backfill only.
		name: "commits", scope: scopeRepo, segment: "commits", deletes: providers.DeletesNone,
		description: "Commits of the default branch of the selected repositories.",
		fields: []providers.Field{
			text("sha"), text("node_id"), at(text("message"), "commit.message"), at(text("author_name"), "commit.author.name"),
			at(text("author_email"), "commit.author.email"), at(stamp("authored_at"), "commit.author.date"),
			at(text("committer_name"), "commit.committer.name"), at(text("committer_email"), "commit.committer.email"),
			at(stamp("committed_at"), "commit.committer.date"), at(text("author_login"), "author.login"),
			at(text("committer_login"), "committer.login"), jsonb("parents"), at(boolean("verified"), "commit.verification.verified"),
			text("html_url"),
		},
		feed: feedCommits, overlap: time.Hour,
	},
	{
		name: "releases", scope: scopeRepo, segment: "releases", deletes: providers.DeletesBySweep,
		description: "Releases of the selected repositories, drafts included where the credential may see them.",
		fields: []providers.Field{
			at(bigint("github_id"), "id"), text("node_id"), text("tag_name"), text("name"), text("body"), boolean("draft"),
			boolean("prerelease"), text("target_commitish"), at(text("author_login"), "author.login"), text("html_url"),
			jsonb("assets"), stamp("created_at"), stamp("published_at"),
		},
	},
	{
		name: "members", scope: scopeOrg, deletes: providers.DeletesBySweep,
		description: "Members of the organization (options.org).",
		fields: []providers.Field{
			text("login"), at(bigint("github_id"), "id"), text("node_id"), text("type"), boolean("site_admin"),
			text("html_url"), text("avatar_url"),
		},
	},
}
