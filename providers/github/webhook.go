package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("github: webhook signature verification failed")

// signaturePrefix starts an X-Hub-Signature-256 value.
const signaturePrefix = "sha256="

// parseSignature reads an X-Hub-Signature-256 header: "sha256=" and 64 hex digits.
func parseSignature(h string) ([]byte, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, fmt.Errorf("%w: no X-Hub-Signature-256 header (is a webhook secret set on GitHub?)", ErrSignature)
	}
	if len(h) > 128 {
		return nil, fmt.Errorf("%w: X-Hub-Signature-256 is %d bytes", ErrSignature, len(h))
	}
	hexSum, ok := strings.CutPrefix(h, signaturePrefix)
	if !ok {
		return nil, fmt.Errorf("%w: X-Hub-Signature-256 %q does not start with %s", ErrSignature, clip(h), signaturePrefix)
	}
	mac, err := hex.DecodeString(hexSum)
	if err != nil || len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: X-Hub-Signature-256 %q is not a hex SHA-256", ErrSignature, clip(h))
	}
	return mac, nil
}

// sign computes the signature of a body: HMAC-SHA256 keyed with the webhook's secret.
func sign(secret string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return mac.Sum(nil)
}

// hookPayload holds what webhook payloads say about their objects.
type hookPayload struct {
	Action     string `json:"action"`
	Ref        string `json:"ref"`
	Repository *struct {
		FullName      string `json:"full_name"`
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
	Changes *struct {
		Repository *struct {
			Name *struct {
				From string `json:"from"`
			} `json:"name"`
		} `json:"repository"`
		Owner *struct {
			From *struct {
				User *struct {
					Login string `json:"login"`
				} `json:"user"`
				Organization *struct {
					Login string `json:"login"`
				} `json:"organization"`
			} `json:"from"`
		} `json:"owner"`
	} `json:"changes"`
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	PullRequest *struct {
		Number int `json:"number"`
	} `json:"pull_request"`
	Number  int `json:"number"`
	Comment *struct {
		ID int64 `json:"id"`
	} `json:"comment"`
	Release *struct {
		ID int64 `json:"id"`
	} `json:"release"`
	Commits []struct {
		ID       string `json:"id"`
		Distinct *bool  `json:"distinct"`
	} `json:"commits"`
	Deleted    bool `json:"deleted"`
	Membership *struct {
		User *struct {
			Login string `json:"login"`
		} `json:"user"`
	} `json:"membership"`
	Member *struct {
		Login string `json:"login"`
	} `json:"member"`
}

// VerifyWebhook checks a webhook's X-Hub-Signature-256 (the hex HMAC-SHA256 of the body keyed with
// the webhook's secret) and names the objects its event is about; the payload is not used as data.
// GitHub signs no timestamp, so a delivery's age cannot be checked: a replayed delivery only causes a
// re-fetch. Events no collection follows (ping, stars, ...) yield no notice and no error.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, _ time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	mac, err := parseSignature(header.Get("X-Hub-Signature-256"))
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, sign(secret, body)) {
		return nil, fmt.Errorf("%w: the signature does not match the body", ErrSignature)
	}
	event := header.Get("X-GitHub-Event")
	var pl hookPayload
	if err := json.Unmarshal(body, &pl); err != nil {
		return nil, providers.Malformed(err, "github: decoding %s webhook: %v", event, err)
	}
	return notices(event, &pl), nil
}

// notices maps a verified event to the objects it names.
func notices(event string, pl *hookPayload) []providers.WebhookNotice {
	repo := ""
	if pl.Repository != nil {
		repo = pl.Repository.FullName
	}
	notice := func(collection, id string, deleted bool) providers.WebhookNotice {
		return providers.WebhookNotice{CollectionID: Name + ":" + collection, UpstreamID: id, Deleted: deleted}
	}
	var out []providers.WebhookNotice
	switch {
	case event == "issues" && pl.Issue != nil && repo != "":
		id := repo + "/issues/" + strconv.Itoa(pl.Issue.Number)
		out = append(out, notice("issues", id, pl.Action == "deleted" || pl.Action == "transferred"))
	case event == "pull_request" && repo != "":
		n := pl.Number
		if pl.PullRequest != nil && pl.PullRequest.Number > 0 {
			n = pl.PullRequest.Number
		}
		if n > 0 {
			out = append(out, notice("pull_requests", repo+"/pulls/"+strconv.Itoa(n), false))
		}
	case event == "issue_comment" && pl.Comment != nil && repo != "":
		out = append(out, notice("issue_comments", repo+"/issues/comments/"+strconv.FormatInt(pl.Comment.ID, 10), pl.Action == "deleted"))
	case event == "release" && pl.Release != nil && repo != "":
		out = append(out, notice("releases", repo+"/releases/"+strconv.FormatInt(pl.Release.ID, 10), pl.Action == "deleted"))
	case event == "push" && repo != "" && !pl.Deleted:
		// Only the default branch is synced.
		if pl.Repository.DefaultBranch != "" && pl.Ref != "refs/heads/"+pl.Repository.DefaultBranch {
			break
		}
		for _, c := range pl.Commits {
			if shaPattern.MatchString(c.ID) {
				out = append(out, notice("commits", repo+"/commits/"+c.ID, false))
			}
		}
	case event == "repository" && repo != "":
		out = append(out, notice("repositories", repo, pl.Action == "deleted"))
		if old := formerName(pl, repo); old != "" {
			out = append(out, notice("repositories", old, true))
		}
	case event == "organization" && pl.Membership != nil && pl.Membership.User != nil:
		switch pl.Action {
		case "member_added", "member_removed":
			out = append(out, notice("members", pl.Membership.User.Login, pl.Action == "member_removed"))
		}
	case event == "member" && pl.Member != nil:
		// A collaborator added to or removed from a repository: re-fetching tells whether they are a
		// member of the organization.
		out = append(out, notice("members", pl.Member.Login, false))
	}
	return out
}

// formerName is a renamed or transferred repository's previous full name.
func formerName(pl *hookPayload, repo string) string {
	if pl.Changes == nil {
		return ""
	}
	owner, name, _ := strings.Cut(repo, "/")
	if pl.Changes.Repository != nil && pl.Changes.Repository.Name != nil && pl.Changes.Repository.Name.From != "" {
		name = pl.Changes.Repository.Name.From
	}
	if o := pl.Changes.Owner; o != nil && o.From != nil {
		switch {
		case o.From.User != nil && o.From.User.Login != "":
			owner = o.From.User.Login
		case o.From.Organization != nil && o.From.Organization.Login != "":
			owner = o.From.Organization.Login
		}
	}
	if old := owner + "/" + name; old != repo {
		return old
	}
	return ""
}
