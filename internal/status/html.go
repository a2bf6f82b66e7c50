package status

import (
	"html/template"
	"io"
	"sync"
	"time"
)

// htmlFunction is one function's section of the HTML report.
type htmlFunction struct {
	Function
	LastRun, Outcome, Age, Schedule, Figures string
	Charts                                   []htmlChart
}

type htmlChart struct {
	Title string
	SVG   template.HTML // drawn by the chart library from numbers and our labels
}

// WriteHTML writes the report as one self-contained page: inline SVG charts
// and CSS, no script and nothing fetched, so it opens offline and from a
// mail attachment.
func WriteHTML(w io.Writer, r Report) error {
	page := struct {
		Generated string
		Bad       int
		Functions []htmlFunction
	}{Generated: r.Generated.UTC().Format(time.RFC1123), Bad: r.Bad()}
	for _, f := range r.Functions {
		hf := htmlFunction{Function: f, LastRun: lastRun(f), Outcome: outcome(f), Age: age(f, r.Generated),
			Schedule: scheduleText(f), Figures: FormatFigures(figures(f))}
		drawn, err := ChartsFor(f, r.Generated)
		if err != nil {
			return err
		}
		for _, c := range drawn {
			hf.Charts = append(hf.Charts, htmlChart{Title: c.Title, SVG: template.HTML(c.SVG)})
		}
		page.Functions = append(page.Functions, hf)
	}
	return reportPage().Execute(w, page)
}

// reportPage is parsed on first use, not at start-up.
var reportPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(`<!DOCTYPE html>
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
<div>generated {{.Generated}}</div>
{{if .Bad}}<div class="verdict bad">{{.Bad}} function(s) need attention</div>
{{else}}<div class="verdict ok">every function ran on schedule; nothing needs attention</div>{{end}}
{{range .Functions}}
<section id="{{.Name}}" class="{{if .Bad}}bad{{else}}ok{{end}}">
<h2>{{.Name}}</h2>
<table>
<tr><th>last run (UTC)</th><td>{{.LastRun}}</td><th>outcome</th><td>{{.Outcome}}</td><th>age</th><td>{{.Age}}</td></tr>
<tr><th>schedule</th><td colspan="5">{{.Schedule}}</td></tr>
<tr><th>figures</th><td colspan="5">{{.Figures}}</td></tr>
{{range .State}}<tr><th>{{.Name}}</th><td colspan="5">{{.Value}} {{.Unit}}{{if .Note}}: {{.Note}}{{end}}</td></tr>
{{end}}</table>
{{if .Problems}}<ul class="problems">{{range .Problems}}<li>{{.}}</li>{{end}}</ul>{{end}}
<div class="charts">
{{range .Charts}}<figure class="chart" data-title="{{.Title}}"><figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{end}}</div>
</section>
{{end}}
</body>
</html>
`))
})
