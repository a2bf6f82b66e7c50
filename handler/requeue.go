package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// requeueUsage is the requeue subcommand's line in the usage text.
const requeueUsage = "  handler requeue QUEUE         move messages from QUEUE-parked and QUEUE-poison back to QUEUE [--count N] [--dry-run]\n"

// maxShownMessage bounds how much of each message requeue prints.
const maxShownMessage = 160

func requeueCommand(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return requeue(ctx, settings.OSEnv{}, os.Stdout, args)
}

// requeue moves the messages the handler parked on QUEUE-parked, and those
// the Functions host put on QUEUE-poison, back to QUEUE
// (storage.Account.Requeue), printing one line per message.
func requeue(ctx context.Context, env settings.Env, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("requeue", flag.ContinueOnError)
	fs.SetOutput(out)
	count := fs.Int("count", 0, "move at most N messages (default: all the parked and poison queues hold)")
	dryRun := fs.Bool("dry-run", false, "print the messages that would move (at most 32) and move nothing")
	queue, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if queue == "" && fs.NArg() == 1 {
		queue = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("requeue: unexpected %q\nusage:\n%s", strings.Join(fs.Args(), " "), requeueUsage)
	}
	if queue == "" || *count < 0 {
		return errors.New("requeue: give a queue name and a count of 0 or more; usage:\n" + strings.TrimRight(requeueUsage, "\n"))
	}
	account, err := clients.Storage(env)
	if err != nil {
		return fmt.Errorf("requeue: %w", err)
	}
	res, err := account.Requeue(ctx, queue, storage.RequeueOptions{Count: *count, DryRun: *dryRun})
	redactor := newRunner(env, io.Discard, io.Discard).redactor
	verb := "moved"
	if *dryRun {
		verb = "would move"
	}
	for _, m := range res.Messages {
		fmt.Fprintf(out, "%s %s from %s (put there %s, tried %d times): %s\n", verb, m.ID, m.From, m.Inserted.UTC().Format(time.RFC3339),
			m.DequeueCount, redactor.String(shownText(m.Text)))
		if m.Error != "" {
			fmt.Fprintf(out, "  last error: %s\n", redactor.String(shownText(m.Error)))
		}
	}
	summarize(out, queue, res, *count, *dryRun)
	if err != nil {
		return fmt.Errorf("requeue: %w", err)
	}
	return nil
}

func summarize(out io.Writer, queue string, res storage.RequeueResult, count int, dryRun bool) {
	from := strings.Join(res.Sources, " and ")
	if !dryRun {
		fmt.Fprintf(out, "moved %d message(s) from %s to %s, with no expiry\n", len(res.Messages), from, queue)
		return
	}
	want := res.Pending
	if count > 0 {
		want = min(count, res.Pending)
	}
	fmt.Fprintf(out, "dry run: would move %d message(s) from %s to %s (about %d there); nothing moved\n",
		want, from, queue, res.Pending)
	if want > len(res.Messages) {
		fmt.Fprintf(out, "dry run: shows the first %d; the storage service shows no more without taking them\n", len(res.Messages))
	}
}

// shownText is a message as an operator can read it: the JSON inside the
// base64 the host's messages are stored in, cut to maxShownMessage bytes on
// a character boundary.
func shownText(text string) string {
	if decoded, err := base64.StdEncoding.DecodeString(text); err == nil && utf8.Valid(decoded) {
		text = string(decoded)
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= maxShownMessage {
		return text
	}
	n := maxShownMessage
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n] + "…"
}
