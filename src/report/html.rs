//! `report.html`: a static, self-contained page (no server, no network; images are files in the
//! output folder): a sortable table of videos with scores and verdicts, each linking to a section
//! with its timeline, trajectory picture and evidence strips.

use super::{evidence_events, evidence_file, video_dir, Exporter};
use crate::checks::FAMILIES;
use crate::error::Result;
use crate::results::{ScanResults, VideoResult};
use std::fmt::Write;

/// Writes report.html.
pub struct HtmlExporter;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Percent-encodes a relative path for an href/src (keeps `/`).
fn url(path: &str) -> String {
    let mut o = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\
td:first-child,th:first-child{text-align:left}td.name{max-width:34em;overflow-wrap:anywhere}th{background:#eee;cursor:pointer;user-select:none}\
th.asc::after{content:' \\25B2'}th.desc::after{content:' \\25BC'}\
tr.flag td.verdict{color:#b00;font-weight:bold}tr.error td.verdict{color:#777}\
section{border-top:2px solid #ddd;margin-top:2em;padding-top:.5em}img{max-width:100%;display:block;margin:.4em 0}\
.ev{margin:.8em 0}.muted{color:#777}";

const SCRIPT: &str = r#"
function sortBy(th){
  const table=th.closest('table'), tbody=table.tBodies[0], i=[...th.parentNode.children].indexOf(th);
  const asc=!th.classList.contains('asc');
  [...th.parentNode.children].forEach(h=>h.classList.remove('asc','desc'));
  th.classList.add(asc?'asc':'desc');
  const key=r=>{const c=r.children[i]; const v=c.dataset.v!==undefined?c.dataset.v:c.textContent;
    const n=parseFloat(v); return isNaN(n)?v.toLowerCase():n;};
  const rows=[...tbody.rows].sort((a,b)=>{const x=key(a),y=key(b); return (x<y?-1:x>y?1:0)*(asc?1:-1);});
  rows.forEach(r=>tbody.appendChild(r));
}
document.querySelectorAll('#videos th').forEach(th=>th.addEventListener('click',()=>sortBy(th)));
window.addEventListener('load',()=>{
  const imgs=[...document.images];
  document.body.dataset.imagesTotal=imgs.length;
  document.body.dataset.imagesRendered=imgs.filter(i=>i.complete&&i.naturalWidth>0).length;
  document.body.dataset.tableRows=document.querySelectorAll('#videos tbody tr').length;
});
"#;

/// The last folder and the file name of a path (the table's label; the full path is its title).
fn short_name(path: &str) -> String {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    parts[parts.len().saturating_sub(2)..].join("/")
}

fn section(html: &mut String, index: usize, v: &VideoResult) {
    let dir = video_dir(index, &v.row);
    let _ = writeln!(
        html,
        "<section id=\"v{}\"><h2>{}</h2>",
        index + 1,
        esc(&v.row.video)
    );
    if v.row.status != "ok" {
        let _ = writeln!(
            html,
            "<p class=\"muted\">Not analysed: {}</p></section>",
            esc(&v.row.error)
        );
        return;
    }
    let _ = writeln!(
        html,
        "<p>{} frames at {} fps ({}x{}), verdict <b>{}</b>, overall score {:.2}. <a href=\"#top\">back to table</a></p>",
        v.row.frames, v.row.fps, v.row.width, v.row.height, esc(&v.row.verdict), v.row.overall_score
    );
    let has = |name: &str| v.files.iter().any(|f| *f == format!("{dir}/{name}"));
    if has("timeline.png") {
        let _ = writeln!(
            html,
            "<a href=\"{0}/timeline.svg\"><img class=\"chart\" src=\"{0}/timeline.png\" alt=\"family scores per frame\"></a>",
            url(&dir)
        );
    }
    if has("trajectory.png") {
        let _ = writeln!(
            html,
            "<img class=\"trajectory\" src=\"{}/trajectory.png\" alt=\"track paths\">",
            url(&dir)
        );
    }
    if v.events.is_empty() {
        html.push_str("<p class=\"muted\">No events.</p>\n");
    }
    for e in evidence_events(&v.events) {
        let _ = writeln!(
            html,
            "<div class=\"ev\"><b>#{} {} / {}</b> frames {}–{} (t = {:.2} s), track {}, box ({:.0}, {:.0}, {:.0}×{:.0}), score {:.2}: {}",
            e.event_id, esc(&e.family), esc(&e.kind), e.frame_start, e.frame_end, e.time_start_s,
            e.track_id, e.x, e.y, e.w, e.h, e.score, esc(&e.detail)
        );
        if has(&evidence_file(e)) {
            let _ = writeln!(
                html,
                "<img class=\"evidence\" src=\"{}/{}\" alt=\"before, during, after\">",
                url(&dir),
                evidence_file(e)
            );
        }
        html.push_str("</div>\n");
    }
    if v.events.len() > super::MAX_EVIDENCE {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{} more events in events.csv.</p>",
            v.events.len() - super::MAX_EVIDENCE
        );
    }
    html.push_str("</section>\n");
}

/// The page for a batch.
pub fn page(results: &ScanResults) -> String {
    let mut h = String::new();
    let flagged = results
        .videos
        .iter()
        .filter(|v| v.row.verdict == "flag")
        .count();
    let errors = results
        .videos
        .iter()
        .filter(|v| v.row.status != "ok")
        .count();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>physlint report</title>\
         <style>{STYLE}</style></head><body>\n<h1 id=\"top\">physlint report</h1>\n\
         <p>{} videos: {} flagged, {} not analysed. Scores: 0 = clean, 0.5 = beyond anything seen on clean \
         footage, 1 = certain. Click a column to sort; click a video for its charts and evidence. \
         Tables: videos.csv, frames.csv, events.csv, tracks.csv.</p>\n",
        results.videos.len(),
        flagged,
        errors
    );
    h.push_str("<table id=\"videos\"><thead><tr><th>video</th><th>verdict</th><th>overall</th>");
    for f in FAMILIES {
        let _ = write!(h, "<th>{f}</th>");
    }
    h.push_str("<th>events</th><th>frames</th></tr></thead><tbody>\n");
    for (i, v) in results.videos.iter().enumerate() {
        let r = &v.row;
        let class = if r.status != "ok" {
            "error"
        } else {
            r.verdict.as_str()
        };
        let verdict = if r.status != "ok" {
            "error"
        } else {
            r.verdict.as_str()
        };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td class=\"name\" title=\"{}\"><a href=\"#v{}\">{}</a></td><td class=\"verdict\">{verdict}</td><td>{:.3}</td>",
            esc(&r.video),
            i + 1,
            esc(&short_name(&r.video)),
            r.overall_score
        );
        for s in [
            r.morphing_score,
            r.missing_limbs_score,
            r.implausible_motion_score,
            r.object_permanence_score,
        ] {
            let _ = write!(h, "<td>{s:.3}</td>");
        }
        let _ = writeln!(h, "<td>{}</td><td>{}</td></tr>", v.events.len(), r.frames);
    }
    h.push_str("</tbody></table>\n");
    for (i, v) in results.videos.iter().enumerate() {
        section(&mut h, i, v);
    }
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body></html>\n");
    h
}

impl Exporter for HtmlExporter {
    fn render(&self, results: &ScanResults) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(vec![("report.html".into(), page(results).into_bytes())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_urls() {
        assert_eq!(
            esc("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
        assert_eq!(url("videos/0001_a b,é"), "videos/0001_a%20b%2C%C3%A9");
    }
}
