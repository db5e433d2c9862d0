//! Incident times on text written for each rule: stated fields, sentences, durations,
//! restoration, and how they combine with the timeline.
use super::*;

fn times(text: &str) -> (String, String) {
    let pm = crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default());
    let s = |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    (s(pm.incident.start), s(pm.incident.end))
}

#[test]
fn header_fields_win_over_the_timeline() {
    // A header table's Detected/Resolved rows, before a timeline that starts earlier.
    let (start, end) = times(
        "| | Outage |\n|---|---|\n| **Detected** | 2021-03-05 23:27 |\n\
         | **Resolved** | 2021-03-06 03:34 |\n\n## Timeline\n\n\
         - 2021-03-05 10:40 deploy\n- 2021-03-06 07:03 review\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2021-03-05T23:27:00", "2021-03-06T03:34:00")
    );
}

#[test]
fn an_incident_template_s_questions_state_the_times() {
    // GitLab's incident review template asks them in a Question | Answer table.
    let pm = crate::parse::parse(
        "t.md",
        "# Incident Review\n\n## Detection & Response\n\n| Question | Answer |\n|---|---|\n\
         | When was the incident detected? | 2026-04-01 09:07 UTC |\n\
         | When did the incident start? | 2026-04-01 09:00 UTC |\n\
         | When was the incident resolved? | 2026-04-01 09:52 UTC |\n",
        &crate::parse::ParseOptions::default(),
    );
    let i = &pm.incident;
    let s = |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    assert_eq!(
        (s(i.start), s(i.detected), s(i.end)),
        (
            "2026-04-01T09:00:00Z".to_string(),
            "2026-04-01T09:07:00Z".to_string(),
            "2026-04-01T09:52:00Z".to_string()
        )
    );
}

#[test]
fn impact_start_and_end_fields_state_the_incident() {
    // The fields' zone wins over the timeline's unzoned clock times.
    let (start, end) = times(
        "# Backlog\n\n## Summary\n\nImpact start: 2025-08-01 22:10 PDT\n\
         Impact end: 2025-08-02 01:30 PDT\n\n## Timeline\n\n- 22:10 alerts fire\n\
         - 01:30 queue drained, service recovered\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-08-01T22:10:00-07:00", "2025-08-02T01:30:00-07:00")
    );
}

#[test]
fn front_matter_times_win_and_its_date_yields_to_the_texts() {
    let (start, end) = times(
        "---\ndate: \"2026-10-02\"\nincident_start: \"2026-10-01 09:45 UTC\"\n\
         incident_end: \"2026-10-02 07:07 UTC\"\n---\n# TLS loss\n\n## Timeline\n\n\
         - 09:50 alert\n- 07:10 fixed\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2026-10-01T09:45:00Z", "2026-10-02T07:07:00Z")
    );
    // `started_at` / `resolved_at`, as incident tools export them.
    let (start, end) = times(
        "---\nstarted_at: 2025-05-20T21:14:00-07:00\nresolved_at: 2025-05-20T23:02:00-07:00\n---\n\
         # Spam wave\n\n## Timeline\n\nAll times US/Pacific.\n\n- **21:10** campaign starts\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-05-20T21:14:00-07:00", "2025-05-20T23:02:00-07:00")
    );
    // The publication date is not the incident's when the text labels another.
    let (start, _) = times(
        "---\ndate: 2024-02-23\n---\n# Ceremony\n\nDate: 2024-02-21\n\n\
         ## Timeline\n\n- 14:00 UTC ceremony started\n- 15:00 UTC restored\n",
    );
    assert_eq!(start, "2024-02-21T14:00:00Z");
}

#[test]
fn a_regional_zone_name_follows_daylight_saving() {
    let (start, end) = times(
        "# Retro\n\n## Timeline\n\nNote: all times are in [Pacific Time](https://example.com)\n\n\
         July 21, 2021\n\n- 3:39 AM: block mined\n- 9:00 AM: resolved\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2021-07-21T03:39:00-07:00", "2021-07-21T09:00:00-07:00")
    );
}

#[test]
fn a_regional_abbreviation_after_a_time_goes_with_it_and_leaves_it_local() {
    // `ET` names a region, whose offset changes with daylight saving: the time stays local,
    // and the abbreviation is not the entry's text.
    let doc = "# Checkout outage\n\nDate: 2026-07-14\n\n## Timeline\n\n- 10:32 ET: alerts fired\n\
               - 11:40 PT - error rate back to normal, incident resolved\n- 11:50 ETA for the fix\n";
    let (start, end) = times(doc);
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2026-07-14T10:32:00", "2026-07-14T11:40:00")
    );
    let pm = crate::parse::parse("t.md", doc, &Default::default());
    let texts: Vec<_> = pm.timeline.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "alerts fired",
            "error rate back to normal, incident resolved",
            "ETA for the fix"
        ]
    );
    // Written out, as a summary says it.
    let (start, end) = times(
        "# X\n\n## Summary\n\nFrom March 4, 2025 at 10:14 PM Pacific Time to March 5, 2025 at \
         3:30 AM Pacific Time, jobs were delayed.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-04T22:14:00", "2025-03-05T03:30:00")
    );
}

#[test]
fn an_iana_zone_in_brackets_after_a_range_holds_for_both_ends() {
    let (start, end) = times(
        "# Deploy outage\n\nIncident window: 2025-09-15 08:05 – 2025-09-15 10:50 (Europe/Berlin)\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-09-15T08:05:00+02:00", "2025-09-15T10:50:00+02:00")
    );
    let (start, _) = times("# Outage\n\nStart: 2025-09-15 08:05 BRT\n");
    assert_eq!(start, "2025-09-15T08:05:00-03:00");
}

#[test]
fn a_stated_start_and_duration_give_the_end() {
    let (start, end) = times(
        "Status: final<br> Owners: @a\n\n## Summary\n\nDescription: the site was down.<br>\
         Date/time: 2023-08-26 21:14\nPDT<br> Duration: 15 hours 40 minutes<br> Impact: all\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-08-26T21:14:00-07:00", "2023-08-27T12:54:00-07:00")
    );
    // "17:30 PM" is 17:30.
    let (start, end) = times("* Date: May 28 2025, 11:30 AM UTC - May 29 2025, ~17:30 PM UTC\n");
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-05-28T11:30:00Z", "2025-05-29T17:30:00Z")
    );
}

#[test]
fn a_date_or_time_field_with_a_clock_time_starts_the_incident() {
    let (start, _) = times(
        "# Chain halt\n\n| &nbsp; | &nbsp; |\n|---|---|\n| Incident | Chain halt |\n\
         | Date | 2023-04-24 19:32:57.448021073 (UTC) |\n\nOn 2023-04-24 the chain halted.\n",
    );
    assert_eq!(start, "2023-04-24T19:32:57Z");
    let (start, _) = times(
        "## REPORT: reward failure\n\n## Date: 12th March 2023\n\n## Time: 5:13:57 UTC\n\n\
         ### Introduction:\n\nRewards were zero.\n",
    );
    assert_eq!(start, "2023-03-12T05:13:57Z");
}

#[test]
fn a_duration_stated_in_the_summary_wins_over_the_timeline() {
    let (start, end) = times(
        "## Summary\n\nThe outage lasted 45 minutes.\n\n## Timeline\n\n\
         - 2023-09-20 10:00 UTC: alert\n- 2023-09-20 12:00 UTC: postmortem meeting\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-09-20T10:00:00Z", "2023-09-20T10:45:00Z")
    );
}

#[test]
fn a_day_and_a_short_duration_end_on_that_day() {
    let (start, end) = times(
        "# Testnet outage\n\nOn 2024-02-21, we aborted the ceremony. The outage lasted \
         about 45 minutes in total.\n",
    );
    assert_eq!((start.as_str(), end.as_str()), ("2024-02-21", "2024-02-21"));
}

#[test]
fn a_document_with_a_date_and_no_times_starts_on_that_day() {
    let (start, end) = times("# Incident disclosure - 2023-12-11\n\nFunds were at risk.\n");
    assert_eq!((start.as_str(), end.as_str()), ("2023-12-11", ""));
}

fn entry_times(text: &str) -> Vec<String> {
    entries(text).into_iter().map(|(time, _)| time).collect()
}

/// Each timeline entry's time (empty when it has none) and text.
fn entries(text: &str) -> Vec<(String, String)> {
    let pm = crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default());
    pm.timeline
        .into_iter()
        .map(|e| (e.time.map(|t| t.to_string()).unwrap_or_default(), e.text))
        .collect()
}

#[test]
fn a_status_page_s_posted_line_is_the_time_of_the_update_above_it() {
    let text = "# X\n\n## Timeline\n\n**Resolved** - This incident has been resolved.\n\
                Posted Mar 03, 2025 - 16:42 UTC\n\n**Investigating** - We are investigating.\n\
                Posted Mar 03, 2025 - 14:47 UTC\n";
    assert_eq!(
        entries(text),
        [
            (
                "2025-03-03T16:42:00Z".to_string(),
                "Resolved - This incident has been resolved.".to_string()
            ),
            (
                "2025-03-03T14:47:00Z".to_string(),
                "Investigating - We are investigating.".to_string()
            ),
        ]
    );
    assert_eq!(
        times(text),
        (
            "2025-03-03T14:47:00Z".to_string(),
            "2025-03-03T16:42:00Z".to_string()
        )
    );
}

#[test]
fn a_timeline_table_s_row_that_is_only_a_day_dates_the_rows_after_it() {
    let text = "# X\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| Jan 18, 2025 | |\n\
                | 22:10 | Rotation begins |\n| Jan 19, 2025 | |\n| 03:35 | Errors back to baseline; \
                resolved |\n";
    assert_eq!(
        entry_times(text),
        ["2025-01-18T22:10:00Z", "2025-01-19T03:35:00Z"]
    );
}

#[test]
fn a_timeline_s_sections_go_on_from_the_entry_before_them() {
    // A label that names no day: past midnight is the next day.
    let text = "# X\n\nDate: 2025-03-03\n\n## Timeline (UTC)\n\n- 23:50 errors start\n\
                - 23:55 paged\n\n**Next day**\n\n- 00:10 fix deployed\n- 00:30 resolved\n";
    assert_eq!(
        times(text),
        (
            "2025-03-03T23:50:00Z".to_string(),
            "2025-03-04T00:30:00Z".to_string()
        )
    );
    // `Day 2` counts from the document's day; a weekday alone is the next such day.
    let text = "# X\n\nDate: 2025-03-06\n\n## Timeline (UTC)\n\n**Day 1**\n- 21:10 alert\n\n\
                **Day 2**\n- 20:00 resolved\n";
    assert_eq!(
        times(text),
        (
            "2025-03-06T21:10:00Z".to_string(),
            "2025-03-07T20:00:00Z".to_string()
        )
    );
    let text = "# X\n\nDate: 2025-03-06\n\n## Timeline (UTC)\n\n### Thursday\n\n- 21:10 alert\n\n\
                ### Saturday\n\n- 09:00 resolved\n";
    assert_eq!(
        times(text),
        (
            "2025-03-06T21:10:00Z".to_string(),
            "2025-03-08T09:00:00Z".to_string()
        )
    );
}

#[test]
fn a_timeline_pasted_as_a_code_block_is_read_line_by_line() {
    let text = "# X\n\nDate: 2025-03-03\n\n## Timeline (UTC)\n\n```\n14:05 deploy\n\
                14:10 alert\n15:20 resolved\n```\n\n## Lessons\n\n```\n14:30 not an entry\n```\n";
    assert_eq!(
        entries(text),
        [
            ("2025-03-03T14:05:00Z".to_string(), "deploy".to_string()),
            ("2025-03-03T14:10:00Z".to_string(), "alert".to_string()),
            ("2025-03-03T15:20:00Z".to_string(), "resolved".to_string()),
        ]
    );
    assert_eq!(
        times(text),
        (
            "2025-03-03T14:05:00Z".to_string(),
            "2025-03-03T15:20:00Z".to_string()
        )
    );
    // Beside entries of its own, a timeline's code block is an excerpt, not entries.
    let text = "# X\n\n## Timeline\n\n- 14:05 deploy\n\n```\n14:06 log line\n```\n";
    assert_eq!(entries(text).len(), 1);
}

#[test]
fn times_as_operations_teams_write_them() {
    assert_eq!(
        entry_times(
            "## Timeline\n\n### 2023-09-20\n\n- 1506 UTC: alert\n- 0930Z: page\n\
             - 14:32 UTC+2: mitigated\n- 10:00 GST: confirmed\n- Feb 9 1924 UTC: deploy\n"
        ),
        [
            "2023-09-20T15:06:00Z",
            "2023-09-20T09:30:00Z",
            "2023-09-20T14:32:00+02:00",
            "2023-09-20T10:00:00+04:00",
            "2023-02-09T19:24:00Z",
        ]
    );
}

#[test]
fn almost_recovered_is_not_recovery_and_a_stated_duration_wins() {
    let (start, end) = times(
        "## Timeline\n\n- 2023-09-20 10:00 UTC: alert\n- 2023-09-20 10:40 UTC: service restored\n\
         - 2023-09-20 11:00 UTC: service almost recovered, still degraded\n\
         - 2023-09-20 11:30 UTC: postmortem scheduled\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-09-20T10:00:00Z", "2023-09-20T10:40:00Z")
    );
    let (start, end) = times(
        "Start: 2023-09-20 09:00 UTC\nEnd: 2023-09-20 09:45 UTC\nDetected: 2023-09-20 09:10 UTC\n\n\
         ## Timeline\n\n- 2023-09-20 08:00 UTC: deploy\n- 2023-09-20 12:00 UTC: review\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-09-20T09:00:00Z", "2023-09-20T09:45:00Z")
    );
}

#[test]
fn a_document_that_shows_its_date_order_settles_its_other_numeric_dates() {
    // `29-09-2021` can only be day first: `06-10-2021` is then the 6th of October.
    let (start, end) = times(
        "## Timeline\n\n### 29-09-2021 (All times CEST)\n\n- 15:46 config change\n\n\
         ### 06-10-2021 (All times CEST)\n\n- 14:36 outage mitigated\n- 15:36 new VM\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2021-09-29T15:46:00+02:00", "2021-10-06T14:36:00+02:00")
    );
    // Without a date that shows the order, `06-10-2021` stays unread.
    let (start, _) = times("## Timeline\n\n- 06-10-2021 14:36 outage mitigated\n");
    assert_eq!(start, "14:36:00");
    // Month first, shown by `09/25/2020`.
    let (start, _) = times("Date: 09/25/2020\n\n## Timeline\n\n- 10/02/2020 10:00 alert\n");
    assert_eq!(start, "2020-10-02T10:00:00");
}

#[test]
fn four_digits_after_a_date_are_its_time() {
    assert_eq!(
        entry_times(
            "## Timeline\n\n- 2022-01-08 2233 ::::: node stops\n- 2022-01-08 @ 08:02 AM: paged\n"
        ),
        ["2022-01-08T22:33:00", "2022-01-08T08:02:00"]
    );
    // A count after a date is not a time.
    assert_eq!(
        entry_times("## Timeline\n\n- 2022-01-08 2000 requests failed\n"),
        ["2022-01-08"]
    );
}

#[test]
fn a_range_of_days_in_the_impact_is_the_incident() {
    let (start, end) = times(
        "# Outage\n\n**Impact**: Full outage from April 10th, 2026 (PT) to April 14th, \
         2026 (PT) for all users.\n",
    );
    assert_eq!((start.as_str(), end.as_str()), ("2026-04-10", "2026-04-14"));
}

#[test]
fn a_duration_said_in_a_sentence_ends_the_day() {
    let (start, end) = times(
        "On 2024-02-21, we aborted the ceremony. The networks stopped for around 45mins \
         in total.\n\n## Details\n\nThree teams worked for 2 days on it.\n",
    );
    assert_eq!((start.as_str(), end.as_str()), ("2024-02-21", "2024-02-21"));
    // "for 3 teams" is no duration.
    let pm = crate::parse::parse(
        "t.md",
        "## Summary\n\nDown for 3 teams, the outage lasted 2 hours.\n",
        &crate::parse::ParseOptions::default(),
    );
    assert_eq!(pm.incident.duration_minutes, Some(120));
}

#[test]
fn a_dated_timeline_wins_over_undated_stated_times() {
    // ET names a region, not an offset: its times stay local.
    let (start, end) = times(
        "# Check-in outage\n\n# Impact\n\nNobody could check in from ~8:00-11:00 AM ET.\n\n\
         # Event Timeline\n\n- 2023-08-15 @ 08:02 AM ET: errors detected\n\
         - 2023-08-15 @ 11:00 AM ET: issue verified fixed\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-08-15T08:02:00", "2023-08-15T11:00:00")
    );
}

#[test]
fn a_resolution_time_field_ends_the_incident() {
    let (_, end) = times(
        "# Map not rendering\n\n## Resolution\n\n_Date/time of resolution_ Approximately \
         11 AM ET on September 25, 2020.\n",
    );
    assert_eq!(end, "2020-09-25T11:00:00");
}

#[test]
fn a_zone_note_inside_the_timeline_is_the_timelines_only() {
    let (start, end) = times(
        "# Builds failing\n\n- **Duration:** 6:29pm to 11:05pm\n- **Date:** 2025-07-17\n\n\
         ## Timeline\n\n_All times in Pacific Time (PT)_\n\n- **6:23pm**: change made\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-07-17T18:29:00", "2025-07-17T23:05:00")
    );
    assert_eq!(
        entry_times(
            "# Builds failing\n\n## Timeline\n\n_All times in Pacific Time (PT)_\n\n\
         July 17, 2025\n\n- **6:23pm**: change made\n"
        ),
        ["2025-07-17T18:23:00-07:00"]
    );
}

#[test]
fn a_summary_that_opens_with_a_day_and_time_opens_with_the_start() {
    let (start, _) = times(
        "Date: Mar 12, 2025, 18:00 UTC\n\n## Incident overview\n\nOn March 5, 2025, at 7:29 \
         UTC (epoch 222464), the upgrade was activated.\n\n## Response\n\n\
         ### Issue identified (7:30 - 10:30 UTC)\n\nText.\n",
    );
    assert_eq!(start, "2025-03-05T07:29:00Z");
    // A start said in passing in the summary.
    let (start, _) = times(
        "## Summary\n\nThe domain was compromised, with injection beginning around June 25, \
         2024.\n\n## Timeline\n\n- June 23, 2024 - deployment\n",
    );
    assert_eq!(start, "2024-06-25");
}

#[test]
fn a_day_line_with_a_note_of_the_zone_dates_and_zones_the_entries_under_it() {
    for day in [
        "2024-05-16 (UTC)",
        "2024-05-16 UTC",
        "May 16, 2024, all times UTC",
        "Thursday 16 May 2024 (UTC)",
    ] {
        let text = format!(
            "# X\n\n## Timeline\n\n{day}\n- 00:00 Certificate expires\n- 00:07 First report\n"
        );
        assert_eq!(
            entry_times(&text),
            ["2024-05-16T00:00:00Z", "2024-05-16T00:07:00Z"],
            "{day}"
        );
    }
}

#[test]
fn events_joined_by_semicolons_on_one_line_are_entries_each() {
    let text = "# X\n\nDate: 2025-03-03\n\n## Timeline\n\n\
                - 10:52 UTC leak begins; 10:55 UTC alert fires; 11:03 UTC leak confirmed.\n\
                - 11:38 UTC leak withdrawn; customers notified\n";
    assert_eq!(
        entries(text)
            .iter()
            .map(|(t, e)| format!("{t} {e}"))
            .collect::<Vec<_>>(),
        [
            "2025-03-03T10:52:00Z leak begins",
            "2025-03-03T10:55:00Z alert fires",
            "2025-03-03T11:03:00Z leak confirmed.",
            "2025-03-03T11:38:00Z leak withdrawn; customers notified",
        ]
    );
    // Joined by a sentence's end, and before a dash after one.
    let text = "# X\n\nDate: 2024-10-02\n\n## Timeline\n\n\
                - 22:40 UTC partition starts. 22:52 queue alert fires. 10 nodes lost.\n\
                - 23:00 UTC paged the team. - 23:10 on-call joins\n";
    assert_eq!(
        entry_times(text),
        [
            "2024-10-02T22:40:00Z",
            "2024-10-02T22:52:00Z",
            "2024-10-02T23:00:00Z",
            "2024-10-02T23:10:00Z"
        ]
    );
}

#[test]
fn a_byline_s_date_yields_to_the_day_the_summary_starts_the_incident() {
    let (start, end) = times(
        "# X\n\nBy the Infrastructure team \u{b7} March 24, 2025\n\n## Summary\n\n\
         At 11:48 am PDT on March 21, 2025, we began a load balancer upgrade.\n\n\
         ## Timeline\n\n11:48 am \u{2014} Upgrade begins.\n1:52 pm \u{2014} Service restored.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-21T11:48:00-07:00", "2025-03-21T13:52:00-07:00")
    );
    // A labelled date stays the timeline's.
    let (_, end) = times(
        "# X\n\nDate: March 24, 2025\n\n## Summary\n\nAt 11:48 am PDT on March 21, 2025, it \
         began.\n\n## Timeline\n\n1:52 pm \u{2014} Service restored.\n",
    );
    assert_eq!(end, "2025-03-24T13:52:00-07:00");
}

#[test]
fn a_range_over_midnight_takes_the_day_written_before_it() {
    for (summary, want) in [
        (
            "On January 18, 2025, between 22:10 UTC and 03:35 UTC on January 19, installs failed.",
            ("2025-01-18T22:10:00Z", "2025-01-19T03:35:00Z"),
        ),
        (
            "On December 31, 2024, from 11:20 PM PST until 2:05 AM PST on January 1, pushes \
             were delayed.",
            ("2024-12-31T23:20:00-08:00", "2025-01-01T02:05:00-08:00"),
        ),
        // Without the day before, one day written after the range is the start's.
        (
            "Between 22:10 UTC and 03:35 UTC on January 19, 2025, installs failed.",
            ("2025-01-19T22:10:00Z", "2025-01-20T03:35:00Z"),
        ),
    ] {
        let (start, end) = times(&format!("# X\n\n## Summary\n\n{summary}\n"));
        assert_eq!((start.as_str(), end.as_str()), want, "{summary}");
    }
}

#[test]
fn a_timeline_table_s_cell_of_events_one_a_line_is_an_entry_each() {
    let text = "# X\n\n## Timeline\n\n| Date | Events (UTC) |\n|---|---|\n\
                | 2024-10-02 | 22:40 partition starts<br>22:52 queue alert fires |\n\
                | 2024-10-03 | 00:10 cluster restarted<br>01:15 resolved |\n";
    assert_eq!(
        entries(text),
        [
            (
                "2024-10-02T22:40:00Z".to_string(),
                "partition starts".to_string()
            ),
            (
                "2024-10-02T22:52:00Z".to_string(),
                "queue alert fires".to_string()
            ),
            (
                "2024-10-03T00:10:00Z".to_string(),
                "cluster restarted".to_string()
            ),
            ("2024-10-03T01:15:00Z".to_string(), "resolved".to_string()),
        ]
    );
}

#[test]
fn a_property_table_laid_out_sideways_states_the_times() {
    let (start, end) = times(
        "# X\n\n| Severity | Started at | Resolved at | Duration |\n| --- | --- | --- | --- |\n\
         | SEV2 | 2024-06-04 10:02 UTC | 2024-06-04 11:15 UTC | 1h 13m |\n\n## Timeline\n\n\
         - 2024-06-04 09:58 UTC deploy\n- 2024-06-04 12:00 UTC closed\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-06-04T10:02:00Z", "2024-06-04T11:15:00Z")
    );
}

#[test]
fn an_end_field_without_its_day_earlier_than_the_start_is_the_next_day() {
    let (start, end) =
        times("# X\n\n**Start:** 2024-10-02 22:40 UTC\n**End:** 01:15 UTC (next day)\n");
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-10-02T22:40:00Z", "2024-10-03T01:15:00Z")
    );
    let (_, end) = times("# X\n\nStart: 2024-10-02 22:40 UTC\nEnd: 2024-10-02 23:15 UTC\n");
    assert_eq!(end, "2024-10-02T23:15:00Z");
}

#[test]
fn start_and_end_fields_on_one_line() {
    for line in [
        "Start: 2024-02-03 10:00 UTC. End: 2024-02-03 10:40 UTC.",
        "Start: 2024-02-03 10:00 UTC, End: 10:40 UTC",
        "Start time: 2024-02-03 10:00 UTC | End time: 2024-02-03 10:40 UTC",
    ] {
        let (start, end) = times(&format!("# X\n\n{line}\n"));
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2024-02-03T10:00:00Z", "2024-02-03T10:40:00Z"),
            "{line}"
        );
    }
    // A word inside the sentence is no field.
    let (_, end) = times("# X\n\nStart: 2024-02-03 10:00 UTC, the end: unknown at 11:00.\n");
    assert_eq!(end, "");
}

#[test]
fn start_and_end_fields_are_read_by_their_label_s_words() {
    let timeline = "\n## Timeline (UTC)\n\n- 2025-03-03 13:58 deploy\n\
                    - 2025-03-03 16:00 resolved\n";
    for (fields, want) in [
        (
            "Onset: 2025-03-03 14:05 UTC\nService restored: 2025-03-03 15:20 UTC\n",
            ("2025-03-03T14:05:00Z", "2025-03-03T15:20:00Z"),
        ),
        (
            "Degradation began: 2025-03-03 14:05 UTC\nCustomer impact ended: 2025-03-03 \
             15:20 UTC\n",
            ("2025-03-03T14:05:00Z", "2025-03-03T15:20:00Z"),
        ),
        (
            "Occurred at: 2025-03-03 14:05 UTC\nRecovered at: 2025-03-03 15:20 UTC\n",
            ("2025-03-03T14:05:00Z", "2025-03-03T15:20:00Z"),
        ),
        // How long, or another moment: the timeline decides.
        (
            "Time to restore: 2025-03-03 15:20 UTC\nExpected end: 2025-03-03 15:20 UTC\n",
            ("2025-03-03T13:58:00Z", "2025-03-03T16:00:00Z"),
        ),
    ] {
        let (start, end) = times(&format!("# X\n\n{fields}{timeline}"));
        assert_eq!((start.as_str(), end.as_str()), want, "{fields}");
    }
}

#[test]
fn a_numeric_date_that_reads_the_same_either_way_and_jira_s_dates_date_the_incident() {
    for date in ["03/03/2025", "3/3/2025", "3-Mar-2025", "03/Mar/2025"] {
        let (start, end) = times(&format!(
            "# X\n\n**Date:** {date}\n\n## Timeline (UTC)\n\n- 14:05 start\n- 15:20 resolved\n"
        ));
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-03-03T14:05:00Z", "2025-03-03T15:20:00Z"),
            "{date}"
        );
    }
    // Two readings stay unread.
    let (start, _) = times("# X\n\n**Date:** 03/04/2025\n\n## Timeline (UTC)\n\n- 14:05 start\n");
    assert_eq!(start, "14:05:00Z");
    let (start, _) = times(
        "# X\n\n## Timeline\n\n| Date | Time | Event |\n|---|---|---|\n\
         | 3-Mar-2025 | 14:05 UTC | start |\n| 3-Mar-2025 | 15:20 UTC | resolved |\n",
    );
    assert_eq!(start, "2025-03-03T14:05:00Z");
}

#[test]
fn a_plain_text_report_s_bulleted_fields_state_the_day_and_times() {
    // ISO's time without its date (`T08:19:34+0100`), under a `Date:` on a bullet.
    let (start, end) = times(
        "POSTMORTEM\nIntro written today, 8/23/2023.\nISSUE SYNOPSIS\n\
         \u{2022}\tDate: 2023-08-18\n\u{2022}\tTime of Start: T08:19:34+0100\n\
         \u{2022}\tEnd Time: T17:21:30+0100\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-08-18T08:19:34+01:00", "2023-08-18T17:21:30+01:00")
    );
}

#[test]
fn a_summary_s_start_may_name_the_weekday_hedge_the_time_or_say_what_began() {
    let timeline = "\n\n## Timeline (PST)\n\n- 1:58 PM deploy starts\n- 3:20 PM resolved\n";
    for summary in [
        "On Monday, March 3, 2025, at 2:05 PM PST, checkout began failing.",
        "On 3 March 2025 at approximately 2:05 PM PST, checkout began failing.",
        "Checkout began failing at 2:05 PM PST on 3 March 2025.",
        "Checkout started to fail around 2:05 PM PST on March 3, 2025.",
    ] {
        let (start, _) = times(&format!("# X\n\n## Summary\n\n{summary}{timeline}"));
        assert_eq!(start, "2025-03-03T14:05:00-08:00", "{summary}");
    }
    // Three words or a capital between are another story: the timeline starts it.
    for summary in [
        "On 3 March 2025 checkout began after the big deploy at 2:05 PM PST.",
        "On 3 March 2025 checkout began Tuesday at 2:05 PM PST.",
    ] {
        let (start, _) = times(&format!("# X\n\n## Summary\n\n{summary}{timeline}"));
        assert_eq!(start, "2025-03-03T13:58:00-08:00", "{summary}");
    }
}

#[test]
fn without_a_timeline_a_sentence_that_says_service_resumed_ends_it() {
    let (start, end) = times(
        "# Chain halt\n\n| Date | 2023-04-24 19:32:57 (UTC) |\n|---|---|\n\n\
         ## Remediation Measures\n\nOn 26/04/2023 at 19:18 (UTC), a message was posted to \
         say the testnet functionality had resumed.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-04-24T19:32:57Z", "2023-04-26T19:18:00Z")
    );
}

#[test]
fn a_story_told_in_sentences_starts_and_ends_where_its_sentences_say() {
    // The sentence that says service came back holds the end, on the paragraph's day and in
    // its zone; a sentence opening with a time and a day holds the start.
    let (start, end) = times(
        "# Our March 3 outage\n\n## Summary\n\nAt 14:02 UTC on March 3, 2025, a config push \
         removed our routes. At 14:09 our on-call engineer was paged. At 15:10 we restored the \
         routes and traffic recovered by 15:18.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-03T14:02:00Z", "2025-03-03T15:18:00Z")
    );
    // A sentence that says so without a time says no end.
    let (_, end) = times(
        "## Summary\n\nThe outage began on March 3, 2025 at 09:00 UTC. It was resolved two \
         hours later.\n",
    );
    assert_eq!(end, "");
}

#[test]
fn a_zone_in_a_field_s_label_and_a_colon_after_a_start_word() {
    let (start, end) = times(
        "# X\n\n## Summary\n\nStart time (UTC): 2025-03-03 14:02\n\
         End time (PST): 2025-03-03 15:30\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-03T14:02:00Z", "2025-03-03T15:30:00-08:00")
    );
    let (start, _) = times("# X\n\n## Summary\n\nIncident began: 2025-03-03 14:02 UTC\n");
    assert_eq!(start, "2025-03-03T14:02:00Z");
    // The zone between a short key and its colon: `Start (PST):`, `End (Europe/Berlin):`.
    let (start, end) = times(
        "# X\n\n## Summary\n\nStart (PST): 2025-03-03 10:00\n\
         End (Europe/Berlin): 2025-03-03 20:30\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-03T10:00:00-08:00", "2025-03-03T20:30:00+01:00")
    );
    // A bracket that says more than a zone leaves the key unread: such a list often tells
    // of another moment than the incident's.
    let (start, _) = times("# X\n\n## Summary\n\nDate and time (in UTC): 2025-03-03 10:00\n");
    assert!(!start.contains("10:00"), "{start}");
}

#[test]
fn beside_a_timeline_that_never_says_service_came_back_the_summary_s_sentence_ends_it() {
    let (start, end) = times(
        "# X\n\n## Summary\n\nOn March 5, 2025, at 7:29 UTC, the upgrade was activated. The \
         coordinated rollout happened at 14:00 UTC and mitigated any further issues.\n\n\
         ## Timeline\n\n- 07:29 UTC upgrade activated\n- 10:30 UTC fix prepared\n\
         - 22:57 UTC retrospective call ends\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-05T07:29:00Z", "2025-03-05T14:00:00Z")
    );
}

#[test]
fn an_end_the_summary_states_wins_over_the_timeline_s() {
    // Stated outright, as a `Resolved:` field would: the timeline's later "closed" entry is
    // when the incident was closed, not when service came back.
    let (start, end) = times(
        "# X\n\n## Summary\n\nOn 3 March 2025 at 14:05 UTC, checkout began failing. Service \
         was fully restored at 15:20 UTC.\n\n## Timeline (UTC)\n\n- 14:05 errors begin\n\
         - 15:20 rollback complete, errors gone\n- 16:00 monitoring complete, incident closed\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-03T14:05:00Z", "2025-03-03T15:20:00Z")
    );
    // Even where an entry says otherwise; a sentence of another section does not count.
    let (_, end) = times(
        "# X\n\n## Summary\n\nOn March 5, 2025, at 7:29 UTC, it began. It was resolved at \
         14:00 UTC.\n\n## Timeline\n\n- 07:29 UTC upgrade activated\n\
         - 13:40 UTC service restored\n- 22:57 UTC retrospective\n",
    );
    assert_eq!(end, "2025-03-05T14:00:00Z");
    let (_, end) = times(
        "# X\n\n## Summary\n\nOn March 5, 2025, at 7:29 UTC, it began.\n\n## Lessons\n\n\
         On March 5 it was resolved at 14:00 UTC.\n\n## Timeline\n\n\
         - 07:29 UTC upgrade activated\n- 13:40 UTC service restored\n- 22:57 UTC retro\n",
    );
    assert_eq!(end, "2025-03-05T13:40:00Z");
}

#[test]
fn without_a_timeline_heading_any_section_s_sentence_may_end_it() {
    // One stamped paragraph stands in for the timeline and says nothing of the end.
    let (start, end) = times(
        "# X\n\n## Details\n\n10:00 UTC on 2025-03-03: the deploy began.\n\n\
         Service was restored at 11:00 UTC on 2025-03-03.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z")
    );
}

#[test]
fn a_day_until_four_digits_states_the_end() {
    let (start, end) = times(
        "## Summary\n\nFrom sometime early March 20 2017 till about 1300, new servers were \
         stuck.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2017-03-20", "2017-03-20T13:00:00")
    );
}

#[test]
fn a_timeline_heading_with_a_time_is_one_event() {
    let pm = crate::parse::parse(
        "t.md",
        "# 2017-03-20 - Outage\n\n## Timeline ##\n\n### March 18, 16:30 ##\n\nRAM reduced.\n\n\
         Life seems fine.\n\n### {{ 12:53 }}\n\nPods stuck.\n\n---\n\n\
         ### 10:07-10:29 AM: Coordination\n\n- 10:07: call starts\n- 10:29: call ends\n",
        &crate::parse::ParseOptions::default(),
    );
    let got: Vec<(String, &str, usize)> = pm
        .timeline
        .iter()
        .map(|e| {
            (
                e.time.map(|t| t.to_string()).unwrap_or_default(),
                e.text.as_str(),
                e.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2017-03-18T16:30:00".to_string(), "RAM reduced.", 5),
            ("2017-03-20T12:53:00".to_string(), "Pods stuck.", 11),
            ("2017-03-20T10:07:00".to_string(), "call starts", 19),
            ("2017-03-20T10:29:00".to_string(), "call ends", 20),
        ]
    );
}

#[test]
fn a_day_heading_dates_the_timeline_headings_after_it() {
    assert_eq!(
        entry_times(
            "Date: Mar 12, 2025\n\n## Timeline\n\n### March 5, 2025: Sepolia timeline\n\n\
             Intro.\n\n### ~9:43 AM: Identifying\n\n- 9:44: report\n\n\
             ### March 6, 2025\n\n- 10:00: review\n"
        ),
        ["2025-03-05", "2025-03-05T09:44:00", "2025-03-06T10:00:00"]
    );
}

#[test]
fn an_entry_without_a_time_under_a_day_heading_happened_that_day() {
    // The first entry is the start, as the gold rules read a timeline: the day it names.
    let (start, end) = times(
        "# Beta release\n\n## Timeline (all times in PST)\n\n### _2018/02/20_\n\n\
         Tests of v0.1.4 begin.\n\n### _2018/02/26_\n\n- 11:40 push to beta fails\n\
         - 20:00 fix confirmed\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2018-02-20", "2018-02-26T20:00:00-08:00")
    );
    // Under a heading that is not a day, an entry without a time stays without one.
    assert_eq!(
        entry_times("# Outage\n\n## Timeline\n\n### Morning\n\nAlerts were noisy.\n\n### 2024-01-02\n\n- 10:00 page\n"),
        ["", "2024-01-02T10:00:00"]
    );
}

#[test]
fn a_day_and_range_heading_starts_a_timeline_of_time_headings() {
    // The summary's undated range loses to the dated timeline; "for about 6 hours" in
    // passing loses to the timeline's end; "PM" written once covers the range's start.
    let (start, end) = times(
        "# Summary\n\nPRs were merged between 2 AM and 2.30 AM PST on 1/20.\n\n\
         - R Hub was not accessible for about 6 hours.\n\n## Timeline\n\n\
         ### {{ 2022-01-20 Between 02:00 and 02.30 PM }}\nPRs merged.\n\n\
         ### {{ 07:45 }}\n\nA fix broke another hub.\n\n\
         ### {{ 12:33 }}\nUsers reported that the error was fixed\n\n### {{ 12:40 }}\nNotes.\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2022-01-20T14:00:00", "2022-01-20T12:33:00")
    );
}

#[test]
fn zone_notes_are_found_in_any_case() {
    for (s, want) in [
        ("All times in UTC", true),
        ("note: ALL TIMES are PST", true),
        ("Times in CEST", true),
        ("(times in EAT)", true),
        ("times", false),
        ("sometimes it failed", false),
        ("many times over", false),
        ("", false),
    ] {
        assert_eq!(notes_all_times(s), want, "{s:?}");
    }
}

#[test]
fn every_restoration_phrase_is_declared_in_any_case() {
    for phrase in RESTORATION {
        let upper = phrase.to_ascii_uppercase();
        let title = format!("{}{}", &upper[..1], &phrase[1..]);
        for text in [phrase.to_string(), upper, title] {
            assert!(declares_restoration(&format!("then {text}.")), "{text:?}");
        }
    }
}

#[test]
fn restoration_is_declared_outright() {
    for (s, want) in [
        ("Service RESTORED at 10:00", true),
        ("all systems back online", true),
        ("we closed it", true),
        ("22:48 UTC: Fix deployed on production", true),
        ("sheriffs verify retriggers are fixed", true),
        ("Issue verified fixed in production", true),
        ("testnet functionality had resumed", true),
        ("it had already been fixed in #14714", false),
        ("the service almost recovered", false),
        ("service not restored yet", false),
        ("partially mitigated, still degraded", false),
        ("unresolved", false),
        ("16:10 INCIDENT ENDS, 30 minutes of nominal traffic", true),
        ("Declared the incident over", true),
        ("all clear given, bridge stood down", true),
        ("End of incident", true),
        ("full recovery of the job queue", true),
        ("checkout fully operational", true),
        ("checkout not fully operational", false),
        ("waiting for full recovery", false),
        ("no full recovery yet", false),
        ("incident overview shared", false),
        (
            "sent an incident overview to the end of incident list",
            true,
        ),
        ("extended outage", false),
        ("issue fixed", true),
        ("problem solved, site is up again", true),
        ("Login latency back to baseline", true),
        ("Confirmed healthy; standing down", true),
        ("Team resolved to roll back to sync v2", false),
        ("Issue not yet resolved; escalated", false),
        ("website accessible again", true),
        ("issue not fixed", false),
        ("", false),
    ] {
        assert_eq!(declares_restoration(s), want, "{s:?}");
    }
}

#[test]
fn an_absurd_duration_is_no_end_and_no_panic() {
    for minutes in ["99999999999", "999999999999999999"] {
        let text = format!(
            "## Summary\n\nStart time: 2023-01-01 10:00 UTC\n\nThe outage lasted {minutes} hours.\n"
        );
        let pm = crate::parse::parse("t.md", &text, &crate::parse::ParseOptions::default());
        assert_eq!(pm.incident.end, None, "{minutes}");
    }
}

#[test]
fn a_zone_note_in_a_heading_counts_with_markup_in_it() {
    // The heading is read as plain text ("Events, all times in PST"); its bytes as written
    // say "all **times** in".
    let (start, _) = times(
        "# Outage\n\n## Timeline: events, all **times** in PST\n\n\
         - 2024-03-05 10:00 deploy\n- 2024-03-05 11:00 restored\n",
    );
    assert_eq!(start, "2024-03-05T10:00:00-08:00");
}

#[test]
fn a_documents_zone_notes_are_found_where_they_stand() {
    let text = "Intro, written at times\nAll Times in UTC\n**TIMES IN PST**\nsometimes\n";
    let (said, notes) = zone_notes(text);
    assert!(said);
    let at = |s: &str| text.find(s).unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.contains(&(at("All Times") + 4)) && notes.contains(&at("TIMES IN")));
    assert_eq!(zone_notes("no such word here"), (false, vec![]));
    assert_eq!(zone_notes("sometimes, many times over"), (true, vec![]));
}

#[test]
fn no_cue_word_starts_again_inside_another() {
    // `opening_words` skips what overlaps a match, even one that does not start a word, and
    // reports the match that ends first: a phrase whose later word opened another phrase, or
    // a word that opened a longer one, could hide it. (Restoration phrases are searched
    // with every overlapping match: they may overlap.)
    let cues: Vec<&str> = cue_words().collect();
    for w in &cues {
        let later_words = w.match_indices(' ').map(|(p, _)| &w[p + 1..]);
        for rest in later_words.filter(|r| !r.is_empty()) {
            for v in &cues {
                assert!(
                    !rest.starts_with(v) && !v.starts_with(rest),
                    "{v:?} starts inside {w:?}"
                );
            }
        }
        for v in cues.iter().filter(|v| *v != w) {
            assert!(!v.starts_with(w), "{w:?} opens {v:?}");
        }
    }
}

#[test]
fn cue_words_are_found_where_a_word_starts_and_before_the_last_number() {
    let cues = Cues::read("It restarted, then Started again; lasted 2 hours", true);
    assert_eq!(cues.start_words, [None, None, None, Some(26), None]);
    assert_eq!(cues.duration_words, [None, Some(40), None, None]);
    // After the last digit, no cue counts; "for" opens a duration said in passing.
    let cues = Cues::read("down for about 45 minutes, then it began", true);
    assert_eq!(cues.passing, Some(45));
    assert_eq!(cues.start_words, [None; 5]);
}

#[test]
fn a_date_field_after_the_timeline_dates_its_entries() {
    let (start, end) = times(
        "# Cache stampede\n\n## Timeline (all times UTC)\n\n[07:12:33] alert fires\n\n\
         [07:55:00] latency back to baseline\n\nDate: 2024-09-02\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-09-02T07:12:33Z", "2024-09-02T07:55:00Z")
    );
}

#[test]
fn a_day_bullet_dates_the_entries_nested_under_it() {
    assert_eq!(
        entry_times(
            "Date: 2024-05-06\n\n## Timeline\n\n- **May 6**\n  - 07:12 resolvers time out\n\
             \x20 - 07:20 paged\n- **May 7**\n  - 01:05 change reverted\n"
        ),
        [
            "2024-05-06T07:12:00",
            "2024-05-06T07:20:00",
            "2024-05-07T01:05:00"
        ]
    );
}

#[test]
fn an_iso_time_keeps_the_offset_written_onto_it() {
    // In list entries, where the offset is no part of the entry's text.
    let got = entries(
        "# Writes failing\n\n## Timeline\n\n- 2024-04-03T08:12:00+02:00 node slow\n\
         - 2024-04-03T09:55:00-0700 writes succeed, resolved\n",
    );
    assert_eq!(
        got,
        [
            (
                "2024-04-03T08:12:00+02:00".to_string(),
                "node slow".to_string()
            ),
            (
                "2024-04-03T09:55:00-07:00".to_string(),
                "writes succeed, resolved".to_string()
            ),
        ]
    );
    // In table cells, a start field and front matter.
    assert_eq!(
        entry_times(
            "## Timeline\n\n| Time | Event |\n|---|---|\n| 2024-04-03T08:12:00-07:00 | alert |\n"
        ),
        ["2024-04-03T08:12:00-07:00"]
    );
    let (start, end) = times(
        "# Writes failing\n\n**Start:** 2024-04-03T08:12:00+02:00\n\
         **End:** 2024-04-03T09:55:00+02:00\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-04-03T08:12:00+02:00", "2024-04-03T09:55:00+02:00")
    );
    let (start, _) = times("---\nincident_start: 2024-04-03T08:12:00-07:00\n---\n# Writes\n");
    assert_eq!(start, "2024-04-03T08:12:00-07:00");
}

#[test]
fn start_and_end_of_impact_fields_state_the_incident() {
    // Rows of a two-column header table, before a detection row.
    let (start, end) = times(
        "# Search degraded\n\n| | |\n|---|---|\n| **Start of impact** | 2024-05-14 09:12 UTC |\n\
         | **End of impact** | 2024-05-14 11:47 UTC |\n| **Detected** | 2024-05-14 09:31 UTC |\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-05-14T09:12:00Z", "2024-05-14T11:47:00Z")
    );
    for (start_key, end_key) in [
        ("Start of outage", "End of outage"),
        ("Time of incident", "Incident resolved"),
        ("First impact", "Issue end"),
        ("Incident began", "Downtime end"),
        ("Outage began", "End of impact"),
        ("Issue start", "End of outage"),
        ("Downtime start", "Issue end"),
    ] {
        let (start, end) = times(&format!(
            "# Queue stuck\n\n## Summary\n\n{start_key}: 2024-05-14 09:12 UTC\n\n\
             {end_key}: 2024-05-14 11:47 UTC\n\n## Timeline\n\n- 2024-05-14 09:40 UTC paged\n\
             - 2024-05-14 12:30 UTC postmortem scheduled\n"
        ));
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2024-05-14T09:12:00Z", "2024-05-14T11:47:00Z"),
            "{start_key} / {end_key}"
        );
    }
}

#[test]
fn the_incident_ends_where_the_sre_book_s_timeline_says_so() {
    // A mitigation before the closure: the closure ends it.
    let (_, end) = times(
        "# Checkout outage\n\n## Timeline\n\n2016-03-04 (all times UTC)\n\n\
         14:52 rollout begins\n14:53 OUTAGE BEGINS\n15:40 OUTAGE MITIGATED\n\
         16:10 INCIDENT ENDS, nominal traffic observed\n",
    );
    assert_eq!(end, "2016-03-04T16:10:00Z");
}

#[test]
fn a_day_line_or_heading_that_opens_with_a_weekday_dates_its_entries() {
    assert_eq!(
        entry_times(
            "## Timeline\n\nAll times in EST.\n\n**Tuesday, March 14, 2023**\n\n\
             - 4:05 PM: disk fills\n- 11:50 PM: stale results\n\n\
             **Wednesday, March 15, 2023**\n\n- 9:02 AM: disk cleaned up, resolved\n"
        ),
        [
            "2023-03-14T16:05:00-05:00",
            "2023-03-14T23:50:00-05:00",
            "2023-03-15T09:02:00-05:00"
        ]
    );
    assert_eq!(
        entry_times("## Timeline\n\n**Tue 2023-03-14**\n\n- 16:05 UTC disk fills\n"),
        ["2023-03-14T16:05:00Z"]
    );
    assert_eq!(
        entry_times(
            "# Indexing stalled\n\n## Timeline\n\n### Tuesday 14 March 2023\n\n\
             - 16:05 UTC disk fills\n\n### Wed 15 March 2023\n\n- 09:02 UTC resolved\n"
        ),
        ["2023-03-14T16:05:00Z", "2023-03-15T09:02:00Z"]
    );
}

#[test]
fn a_date_in_the_timeline_heading_dates_its_entries() {
    for heading in [
        "Timeline (2023-01-19)",
        "Timeline - 2023-01-19",
        "Timeline: January 19, 2023",
        "Incident timeline, 19 January 2023",
    ] {
        assert_eq!(
            entry_times(&format!(
                "# Timeouts\n\n## {heading}\n\n- 22:10 UTC first timeouts\n\
                 - 22:40 UTC resolved\n"
            )),
            ["2023-01-19T22:10:00Z", "2023-01-19T22:40:00Z"],
            "{heading}"
        );
    }
    // With the zone noted beside it.
    assert_eq!(
        entry_times(
            "# Timeouts\n\n## Timeline (2023-01-19, all times CET)\n\n- 22:10 first timeouts\n"
        ),
        ["2023-01-19T22:10:00+01:00"]
    );
}

#[test]
fn a_day_bullet_after_midnight_is_the_day_of_the_entries_under_it() {
    // The next day's first entry, nested under its own day, is not moved a day further.
    let (start, end) = times(
        "# Queue\n\n## Timeline (UTC)\n\n- **May 14, 2024**\n  - 23:05 alert fires\n\
         - **May 15, 2024**\n  - 00:10 error rate normal, resolved\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-05-14T23:05:00Z", "2024-05-15T00:10:00Z")
    );
    // Without a day line between them, the later entry is past midnight.
    assert_eq!(
        entry_times("## Timeline\n\n**May 14, 2024**\n\n- 23:05 alert\n- 00:10 resolved\n"),
        ["2024-05-14T23:05:00", "2024-05-15T00:10:00"]
    );
}

#[test]
fn a_status_page_s_date_dash_time_keeps_its_time() {
    let got = entries(
        "# Webhooks delayed\n\n## Timeline\n\n\
         - Mar 14, 2024 - 15:47 UTC - Investigating delays in webhook delivery.\n\
         - Mar 14, 2024 - 17:32 UTC - Resolved.\n",
    );
    assert_eq!(
        got,
        [
            (
                "2024-03-14T15:47:00Z".to_string(),
                "Investigating delays in webhook delivery.".to_string()
            ),
            ("2024-03-14T17:32:00Z".to_string(), "Resolved.".to_string()),
        ]
    );
}

#[test]
fn a_status_page_s_updates_newest_first_are_read_from_the_oldest() {
    let text = "# Degraded webhooks\n\n## Timeline\n\n\
                **Resolved** - This incident has been resolved.\nMar 14, 2024 - 17:32 UTC\n\n\
                **Monitoring** - A fix has been implemented.\nMar 14, 2024 - 16:58 UTC\n\n\
                **Investigating** - We are investigating delays.\nMar 14, 2024 - 15:47 UTC\n";
    let (start, end) = times(text);
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-03-14T15:47:00Z", "2024-03-14T17:32:00Z")
    );
    // Each update is one entry: its text with the moment on the line under it.
    assert_eq!(
        entries(text),
        [
            (
                "2024-03-14T17:32:00Z".to_string(),
                "Resolved - This incident has been resolved.".to_string()
            ),
            (
                "2024-03-14T16:58:00Z".to_string(),
                "Monitoring - A fix has been implemented.".to_string()
            ),
            (
                "2024-03-14T15:47:00Z".to_string(),
                "Investigating - We are investigating delays.".to_string()
            ),
        ]
    );
    // Oldest first, as most timelines are, nothing is turned around.
    let (start, end) = times(
        "# X\n\n## Timeline\n\n- 2024-03-14 15:47 UTC investigating\n\
         - 2024-03-14 17:32 UTC resolved\n",
    );
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2024-03-14T15:47:00Z", "2024-03-14T17:32:00Z")
    );
}

#[test]
fn a_duration_field_in_hours_and_minutes_or_decimals_gives_the_end() {
    for (duration, end) in [
        ("1h47m", "2024-06-11T14:52:00Z"),
        ("0h47m", "2024-06-11T13:52:00Z"),
        ("1.5 hours", "2024-06-11T14:35:00Z"),
    ] {
        let (start, got) = times(&format!(
            "# X\n\n| Field | Value |\n|---|---|\n| Start | 2024-06-11 13:05 UTC |\n\
             | Duration | {duration} |\n"
        ));
        assert_eq!(
            (start.as_str(), got.as_str()),
            ("2024-06-11T13:05:00Z", end)
        );
    }
    // "Total downtime" states the duration as "lasted" does: it wins over the timeline.
    let (_, end) = times(
        "# X\n\n## Summary\n\nOn 2024-01-09 at 16:13 UTC SSO logins failed; total downtime was \
         47 minutes.\n\n## Timeline\n\n- 16:13 Logins fail\n- 17:25 Incident resolved\n",
    );
    assert_eq!(end, "2024-01-09T17:00:00Z");
}

#[test]
fn a_zone_field_or_note_gives_the_timeline_its_zone() {
    for note in [
        "**Timezone:** UTC+5:30",
        "Time zone: IST (UTC+5:30)",
        "Times are UTC+5:30.",
        "Note: timestamps below are UTC+5:30.",
    ] {
        let (start, _) = times(&format!(
            "# X\n\n**Incident date:** 2024-12-18\n{note}\n\n## Timeline\n\n\
             - 22:30 Settlement job starts\n- 23:10 Job fixed\n"
        ));
        assert_eq!(start, "2024-12-18T22:30:00+05:30", "{note}");
    }
}

#[test]
fn a_post_s_own_date_is_not_the_incident_s() {
    for byline in [
        "**Last updated:** 2024-08-30",
        "Date written: August 30, 2024",
        "*Posted Friday, August 30, 2024*",
    ] {
        let (start, _) = times(&format!(
            "# X\n\n{byline}\n\n## Summary\n\nOn 2024-08-26, the hourly audit export dropped \
             events.\n\n## Timeline (UTC)\n\n- 02:00 Export job v2 rolled out\n- 03:00 Fixed\n"
        ));
        assert_eq!(start, "2024-08-26T02:00:00Z", "{byline}");
    }
}

#[test]
fn a_weekday_between_a_time_and_its_date_joins_them() {
    for (summary, want) in [
        (
            "At 3:12 a.m. PDT on Sunday, September 22, 2024, a node ran out of disk.",
            "2024-09-22T03:12:00-07:00",
        ),
        (
            "At 14:05 UTC on Mon, 3 March 2025 checkout failed.",
            "2025-03-03T14:05:00Z",
        ),
    ] {
        let (start, _) = times(&format!("# X\n\n## Summary\n\n{summary}\n"));
        assert_eq!(start, want, "{summary}");
    }
}

#[test]
fn a_range_of_days_that_share_one_year() {
    for (line, want) in [
        (
            "**Dates:** March 30 – April 2, 2024",
            ("2024-03-30", "2024-04-02"),
        ),
        (
            "The incident lasted from March 30 to April 2, 2024.",
            ("2024-03-30", "2024-04-02"),
        ),
        // Over a new year, the start's day is in the year before.
        (
            "**Dates:** December 30 – January 2, 2025",
            ("2024-12-30", "2025-01-02"),
        ),
    ] {
        let (start, end) = times(&format!("# X\n\n{line}\n\n## Summary\n\nThe API failed.\n"));
        assert_eq!((start.as_str(), end.as_str()), want, "{line}");
    }
}
