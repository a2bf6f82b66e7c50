package spwebhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// Subscription life: created 180 days ahead less a margin (SharePoint
// refuses anything past 180 days, and dates right at the limit have been
// refused), renewed once fewer than 30 days remain.
const (
	expiryMargin = 3 * 24 * time.Hour
	renewBelow   = 30 * 24 * time.Hour
)

// UpkeepOptions configures one upkeep of a list's subscription.
type UpkeepOptions struct {
	Client          *sharepoint.Client
	State           StateRef
	NotificationURL string // SPWebhookUrl (secret: only its host is ever named)
	ClientState     string // SPWebhookClientState
	Now             func() time.Time
	Log             *slog.Logger
}

// UpkeepResult is what one upkeep did.
type UpkeepResult struct {
	Action     string // "kept", "renewed", "created", "recreated"
	Expiration time.Time
}

// Upkeep makes sure the list has exactly one subscription of ours: it
// reads the one whose id the state blob keeps (never listing the list's
// subscriptions, so another app's are never read, changed or deleted),
// renews it under 30 days, and creates one when there is none or
// SharePoint no longer has it.
func Upkeep(ctx context.Context, opts UpkeepOptions) (UpkeepResult, error) {
	st, etag, err := opts.State.Read(ctx)
	if err != nil && !errors.Is(err, ErrNoState) {
		return UpkeepResult{}, err
	}
	info, err := opts.Client.ListInfo(ctx, sharepoint.ListByTitle(opts.State.ListTitle))
	if err != nil {
		return UpkeepResult{}, fmt.Errorf("spwebhook: upkeep: %w", err)
	}
	if !sameID(st.ListID, info.ID) { // first upkeep, or the list was replaced
		st = State{ListID: info.ID}
		if etag, err = opts.State.Write(ctx, st, etag); err != nil {
			return UpkeepResult{}, err
		}
	}
	action := "created"
	if st.SubscriptionID != "" {
		res, gone, err := renew(ctx, opts, &st)
		if err != nil || !gone {
			if err == nil && res.Action == "renewed" {
				_, err = opts.State.Write(ctx, st, etag)
			}
			return res, err
		}
		action = "recreated"
		opts.Log.Warn("sharepoint webhook: SharePoint no longer has our subscription; creating a new one",
			"list", opts.State.ListTitle, "subscriptionId", st.SubscriptionID)
	}
	return create(ctx, opts, st, etag, action)
}

// renew reads our subscription and renews it under 30 days; gone reports
// that SharePoint no longer has it.
func renew(ctx context.Context, opts UpkeepOptions, st *State) (UpkeepResult, bool, error) {
	sub, err := opts.Client.GetSubscription(ctx, st.ListID, st.SubscriptionID)
	if sharepoint.IsNotFound(err) {
		return UpkeepResult{}, true, nil
	}
	if err != nil {
		return UpkeepResult{}, false, fmt.Errorf("spwebhook: upkeep: reading our subscription: %w", err)
	}
	now := opts.Now()
	moved := ""
	if sub.NotificationURL != "" && sub.NotificationURL != opts.NotificationURL {
		moved = opts.NotificationURL // SPWebhookUrl changed, a rotated key say
	}
	if moved == "" && sub.ExpirationDateTime.Sub(now) >= renewBelow {
		st.Expiration = sub.ExpirationDateTime
		return UpkeepResult{Action: "kept", Expiration: sub.ExpirationDateTime}, false, nil
	}
	target := now.Add(sharepoint.MaxSubscriptionLife - expiryMargin).UTC().Truncate(time.Second)
	if err := opts.Client.RenewSubscription(ctx, st.ListID, st.SubscriptionID, target, moved); err != nil {
		return UpkeepResult{}, false, upkeepError(HostOf(opts.NotificationURL), "renewing", err)
	}
	st.Expiration, st.Updated, st.NotificationHost = target, now.UTC(), HostOf(opts.NotificationURL)
	opts.Log.Info("sharepoint webhook: subscription renewed", "list", opts.State.ListTitle, "subscriptionId", st.SubscriptionID,
		"expiration", target.Format(time.RFC3339), "notificationUrlChanged", moved != "")
	return UpkeepResult{Action: "renewed", Expiration: target}, false, nil
}

// create subscribes the notification URL and keeps the new id; if the id
// cannot be kept, the subscription is deleted again, so no subscription of
// ours is ever left unknown.
func create(ctx context.Context, opts UpkeepOptions, st State, etag azcore.ETag, action string) (UpkeepResult, error) {
	host := HostOf(opts.NotificationURL)
	target := opts.Now().Add(sharepoint.MaxSubscriptionLife - expiryMargin).UTC().Truncate(time.Second)
	sub, err := opts.Client.CreateSubscription(ctx, st.ListID, opts.NotificationURL, target, opts.ClientState)
	if err != nil {
		return UpkeepResult{}, upkeepError(host, "creating", err)
	}
	st.SubscriptionID, st.Expiration, st.NotificationHost, st.Updated = sub.ID, target, host, opts.Now().UTC()
	if _, err := opts.State.Write(ctx, st, etag); err != nil {
		_ = opts.Client.DeleteSubscription(context.WithoutCancel(ctx), st.ListID, sub.ID)
		if errors.Is(err, storage.ErrConflict) {
			return UpkeepResult{}, fmt.Errorf("spwebhook: upkeep: another run changed the webhook state first; the subscription just created was deleted again")
		}
		return UpkeepResult{}, err
	}
	opts.Log.Info("sharepoint webhook: subscription "+action, "list", opts.State.ListTitle, "subscriptionId", sub.ID,
		"notifies", host, "expiration", target.Format(time.RFC3339))
	return UpkeepResult{Action: action, Expiration: target}, nil
}

// upkeepError says why SharePoint refused to create or renew (what) the
// subscription, naming the URL's host, never the URL (SharePoint's own
// message quotes it, key included).
func upkeepError(host, what string, err error) error {
	var spErr *sharepoint.Error
	if errors.As(err, &spErr) && spErr.StatusCode == 400 {
		return fmt.Errorf("spwebhook: %s the webhook subscription: SharePoint could not validate the webhook at %s: it must answer "+
			"SharePoint's validation request (validationtoken) with 200 and the token within 5 seconds; run `handler check SharePointWebhook`, "+
			"check the function key in SPWebhookUrl and the app's reachability (HTTP %d)", what, host, spErr.StatusCode)
	}
	if errors.As(err, &spErr) {
		return fmt.Errorf("spwebhook: %s the webhook subscription for %s failed: HTTP %d %s (it needs the manage role on the site)",
			what, host, spErr.StatusCode, spErr.Code)
	}
	for _, ctxErr := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("spwebhook: %s the webhook subscription for %s: %w", what, host, ctxErr)
		}
	}
	return fmt.Errorf("spwebhook: %s the webhook subscription for %s failed: SharePoint could not be reached", what, host)
}

// Retire deletes our subscription once SPWebhookUrl is no longer set, so
// SharePoint stops notifying an endpoint that is being given up; it does
// nothing when the state blob names no subscription. It reports whether it
// deleted one.
func Retire(ctx context.Context, client *sharepoint.Client, ref StateRef, log *slog.Logger) (bool, error) {
	st, etag, err := ref.Read(ctx)
	if errors.Is(err, ErrNoState) || (err == nil && st.SubscriptionID == "") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := client.DeleteSubscription(ctx, st.ListID, st.SubscriptionID); err != nil && !sharepoint.IsNotFound(err) {
		return false, fmt.Errorf("spwebhook: deleting our subscription now that SPWebhookUrl is empty: %w", err)
	}
	log.Info("sharepoint webhook: SPWebhookUrl is empty; our subscription is deleted", "list", ref.ListTitle, "subscriptionId", st.SubscriptionID)
	st.SubscriptionID, st.Expiration, st.NotificationHost = "", time.Time{}, ""
	_, err = ref.Write(ctx, st, etag)
	return true, err
}
