package status

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"time"
)

// WriteHTML writes the report as one self-contained page: inline SVG charts
// and CSS, no script and nothing fetched, so it opens offline and from a
// mail attachment. It is written out directly rather than through
// html/template, whose reflection would keep every exported method of the
// binary alive; every text from the report passes through html.EscapeString.
func WriteHTML(w io.Writer, r Report) error {
	out := bufio.NewWriter(w)
	fmt.Fprintf(out, pageHead, html.EscapeString(r.Generated.UTC().Format(time.RFC1123)))
	if bad := r.Bad(); bad > 0 {
		fmt.Fprintf(out, "<div class=\"verdict bad\">%d function(s) need attention</div>\n", bad)
	} else {
		out.WriteString("<div class=\"verdict ok\">every function ran on schedule; nothing needs attention</div>\n")
	}
	for _, f := range r.Functions {
		if err := writeSection(out, f, r.Generated); err != nil {
			return err
		}
	}
	out.WriteString("</body>\n</html>\n")
	return out.Flush()
}

// writeSection writes one function: its last run, state, problems and charts.
func writeSection(out *bufio.Writer, f Function, now time.Time) error {
	drawn, err := ChartsFor(f, now)
	if err != nil {
		return err
	}
	class := "ok"
	if f.Bad() {
		class = "bad"
	}
	e := html.EscapeString
	fmt.Fprintf(out, "<section id=\"%s\" class=\"%s\">\n<h2>%s</h2>\n<table>\n", e(f.Name), class, e(f.Name))
	fmt.Fprintf(out, "<tr><th>last run (UTC)</th><td>%s</td><th>outcome</th><td>%s</td><th>age</th><td>%s</td></tr>\n",
		e(lastRun(f)), e(outcome(f)), e(age(f, now)))
	fmt.Fprintf(out, "<tr><th>schedule</th><td colspan=\"5\">%s</td></tr>\n", e(scheduleText(f)))
	fmt.Fprintf(out, "<tr><th>figures</th><td colspan=\"5\">%s</td></tr>\n", e(FormatFigures(figures(f))))
	for _, item := range f.State {
		fmt.Fprintf(out, "<tr><th>%s</th><td colspan=\"5\">%s</td></tr>\n", e(item.Name), e(stateValue(item)+noteText(item.Note)))
	}
	out.WriteString("</table>\n")
	if len(f.Problems) > 0 {
		out.WriteString("<ul class=\"problems\">")
		for _, p := range f.Problems {
			fmt.Fprintf(out, "<li>%s</li>", e(p))
		}
		out.WriteString("</ul>\n")
	}
	out.WriteString("<div class=\"charts\">\n")
	for _, c := range drawn {
		// The SVG is drawn by the chart library from numbers and our own labels.
		fmt.Fprintf(out, "<figure class=\"chart\" data-title=\"%s\"><figcaption>%s</figcaption>\n%s\n</figure>\n",
			e(c.Title), e(c.Title), c.SVG)
	}
	out.WriteString("</div>\n</section>\n")
	return nil
}

func noteText(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
}

// pageHead is the page up to the verdict; %s is the generation time.
const pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tenantops status</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
h1 { margin: 0 0 .2rem; font-size: 1.5rem; }
.verdict { padding: .5rem .8rem; border-radius: 4px; display: inline-block; margin: .6rem 0 1rem; }
.ok { background: #e3f4e1; } .bad { background: #fbe0de; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
section.bad { border-color: #d9534f; }
h2 { margin: 0 0 .5rem; font-size: 1.15rem; }
table { border-collapse: collapse; margin-bottom: .5rem; }
td, th { text-align: left; padding: .15rem .8rem .15rem 0; font-size: .9rem; }
ul.problems { color: #b52b27; margin: .3rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; } figcaption { font-size: .85rem; color: #555; }
figure svg { width: 560px; height: 260px; display: block; }
</style>
</head>
<body>
<h1>tenantops status</h1>
<div>generated %s</div>
`
