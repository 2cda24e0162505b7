//! The whole job path, end to end: the real `sandpit-server` binary and the real
//! `sandpit-runner work` binary as processes on loopback, real sandboxes, an HTTP
//! client and WebSocket watchers like the editor's. Each test names what it proves.
//!
//! The sandbox needs root: tests that run programs return with a notice when not root
//! (and fail in CI). Tests of the server's refusals need no runner and always run.

mod e2e;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use e2e::*;
use nix::sys::signal::Signal;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A short lease for the runner-lost test (the server's `SANDPIT_LEASE_SECS`).
const SHORT_LEASE_SECS: u64 = 2;

/// Server settings shared by every test: claims and control polls are held a few
/// seconds only, so a runner told to stop is not kept waiting on an idle claim.
fn opts() -> StackOpts {
    StackOpts::default().env("SANDPIT_LONG_POLL_SECS", "3")
}

fn without_seq(frame: &Value) -> Value {
    let mut f = frame.clone();
    f.as_object_mut().expect("frame object").remove("seq");
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_job_streams_status_output_and_exit_then_the_server_closes() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program =
        "import sys\nprint('hello from the sandbox')\nprint('careful', file=sys.stderr)\n";
    let (id, stream) = stack.run(&code(program)).await;

    assert_numbered(&stream.frames);
    assert_eq!(
        stream.frames[0],
        json!({"type": "status", "status": "queued", "seq": 1})
    );
    assert_eq!(
        stream.statuses(),
        ["queued", "running"],
        "frames: {:?}",
        stream.frames
    );
    let running_at = stream
        .frames
        .iter()
        .position(|f| f["status"] == "running")
        .expect("a running frame");
    let first_output = stream
        .frames
        .iter()
        .position(|f| f["type"] == "stdout" || f["type"] == "stderr")
        .expect("output frames");
    assert!(running_at < first_output, "running comes before output");
    assert_eq!(stream.text("stdout"), "hello from the sandbox\n");
    assert_eq!(stream.text("stderr"), "careful\n");

    let result = stream.result();
    assert_result_record(result, "python-basic");
    assert_eq!(result["status"], "ok", "{}", stack.logs());
    assert_eq!(result["exit_code"], 0);
    assert_eq!(result["signal"], Value::Null);
    assert_eq!(result["stdout"], "hello from the sandbox\n");
    assert_eq!(result["stderr"], "careful\n");
    assert_eq!(result["truncated"], false);

    let close = stream
        .close
        .as_ref()
        .expect("the server sends a close frame");
    assert_eq!(u16::from(close.code), 1000, "normal closure after exit");

    let job = stack.job(&id).await;
    assert_eq!(job["jobId"], id.as_str());
    assert_eq!(job["status"], "ok");
    assert_eq!(&job["result"], result, "GET serves the streamed record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_live_watchers_and_a_late_one_see_identical_frames() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program =
        "import time\nfor i in range(5):\n    print('line', i, flush=True)\n    time.sleep(0.2)\n";
    let id = stack.submit(&code(program)).await;
    let mut first = stack.watch(&id).await;
    let mut second = stack.watch(&id).await;
    let (a, b) = tokio::join!(first.until_close(&stack), second.until_close(&stack));
    assert_eq!(a.result()["status"], "ok", "{}", stack.logs());
    assert_eq!(a.text("stdout"), "line 0\nline 1\nline 2\nline 3\nline 4\n");
    assert_numbered(&a.frames);
    assert_eq!(
        a.frames, b.frames,
        "two concurrent watchers see the same stream"
    );

    // The job is over: a new watcher gets the whole log replayed, then the close.
    let late = stack.watch(&id).await.until_close(&stack).await;
    assert_eq!(
        late.frames, a.frames,
        "a late watcher gets the identical replay"
    );
    assert_eq!(u16::from(late.close.expect("close frame").code), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_is_answered_over_the_websocket() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program = "name = input('Name? ')\nage = input('Age? ')\nprint(f'Hello {name}, next year you are {int(age) + 1}')\n";
    let id = stack.submit(&code(program)).await;
    let mut w = stack.watch(&id).await;
    w.until_stdout("Name? ", &stack).await;
    w.send(json!({"type": "stdin", "data": "Ada\n"})).await;
    w.until_stdout("Age? ", &stack).await;
    w.send(json!({"type": "stdin", "data": "11\n"})).await;
    let rest = w.until_close(&stack).await;
    let result = rest.result();
    assert_eq!(result["status"], "ok", "{result}\n{}", stack.logs());
    // Exactly what the program wrote: prompts and answer, no echo of the input.
    assert_eq!(
        result["stdout"],
        "Name? Age? Hello Ada, next year you are 12\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_typed_before_the_job_starts_waits_for_it() {
    if !sandbox_available() {
        return;
    }
    // No runner yet: the job is queued while the kid already typed an answer.
    let mut stack = Stack::server(opts());
    let id = stack
        .submit(&code("name = input('Name? ')\nprint('hi', name)\n"))
        .await;
    let mut w = stack.watch(&id).await;
    w.send(json!({"type": "stdin", "data": "Ada\n"})).await;
    stack.start_runner(&[]);
    let stream = w.until_close(&stack).await;
    let result = stream.result();
    assert_eq!(result["status"], "ok", "{result}\n{}", stack.logs());
    assert_eq!(result["stdout"], "Name? hi Ada\n");
}

/// The network namespace a job runs in: its inode, and what the job can do with it.
const NETWORK_VIEW: &str = r#"import os, socket
print('netns', os.stat('/proc/self/ns/net').st_ino, flush=True)
up = [l.split(':')[0].strip() for l in open('/proc/self/net/dev').readlines()[2:]]
print('interfaces', up)
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))
    print('udp sent')
except OSError as e:
    print(f'udp {e.errno}')
print('ready')
input()
"#;

fn netns_of(stdout: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("netns "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no netns line in {stdout:?}"))
}

/// Forked sandboxes join empty network namespaces the runner lends them instead of
/// making one per job (sandbox/src/netns.rs): two jobs running at the same time never
/// share one, none is the host's, later jobs reuse those given back, and in every one
/// the only interface is a loopback that is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_running_at_once_never_share_a_network_namespace_and_later_jobs_reuse_one() {
    if !sandbox_available() {
        return;
    }
    let host = std::fs::metadata("/proc/self/ns/net")
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .expect("our own netns");
    let stack = Stack::full(opts());
    let (a, b) = (
        stack.submit(&code(NETWORK_VIEW)).await,
        stack.submit(&code(NETWORK_VIEW)).await,
    );
    let (mut wa, mut wb) = (stack.watch(&a).await, stack.watch(&b).await);
    // Both wait in input() here: both sandboxes are alive at once.
    let seen_a = wa.until_stdout("ready", &stack).await;
    let seen_b = wb.until_stdout("ready", &stack).await;
    let text = |frames: &[Value]| -> String {
        frames
            .iter()
            .filter(|f| f["type"] == "stdout")
            .filter_map(|f| f["data"].as_str())
            .collect()
    };
    let (out_a, out_b) = (text(&seen_a), text(&seen_b));
    let (ns_a, ns_b) = (netns_of(&out_a), netns_of(&out_b));
    assert_ne!(ns_a, ns_b, "two live jobs share a network namespace");
    assert!(
        ns_a != host && ns_b != host,
        "a job in the host's namespace"
    );
    for out in [&out_a, &out_b] {
        assert!(
            out.contains("interfaces ['lo']") && out.contains("udp 101"),
            "only a loopback that is down (ENETUNREACH): {out}"
        );
    }
    for w in [&mut wa, &mut wb] {
        w.send(json!({"type": "stdin", "data": "\n"})).await;
        let end = w.until_close(&stack).await;
        assert_eq!(end.result()["status"], "ok", "{}", stack.logs());
    }
    // Their namespaces went back to the runner and serve the sandboxes parked next:
    // a run of later jobs uses only a few namespaces in all (those of the two jobs
    // above, of the sandboxes parked meanwhile, of one built while a refill was
    // under way), where one per job would make ten.
    let mut seen = std::collections::BTreeSet::from([ns_a, ns_b]);
    for _ in 0..8 {
        let (_, stream) = stack
            .run(&code(
                "import os\nprint('netns', os.stat('/proc/self/ns/net').st_ino)\n",
            ))
            .await;
        assert_eq!(stream.result()["status"], "ok", "{}", stack.logs());
        seen.insert(netns_of(&stream.text("stdout")));
    }
    assert!(
        seen.len() <= 5,
        "10 jobs used {} network namespaces: {seen:?}\n{}",
        seen.len(),
        stack.logs()
    );
}

/// An endless loop, which only a cancel (or the 10 s wall limit: `timeout`) ends.
const ENDLESS: &str = "print('looping', flush=True)\nwhile True:\n    pass\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_over_the_websocket_stops_an_endless_loop() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let id = stack.submit(&code(ENDLESS)).await;
    let mut w = stack.watch(&id).await;
    // The whole line: print() writes the text and its newline in two writes.
    w.until_stdout("looping\n", &stack).await;
    w.send(json!({"type": "cancel"})).await;
    let rest = w.until_close(&stack).await;
    let result = rest.result();
    assert_eq!(result["status"], "cancelled", "{result}\n{}", stack.logs());
    assert_eq!(result["stdout"], "looping\n");
    assert_eq!(stack.job(&id).await["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_endpoint_stops_an_endless_loop() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let id = stack.submit(&code(ENDLESS)).await;
    let mut w = stack.watch(&id).await;
    // The whole line: print() writes the text and its newline in two writes.
    w.until_stdout("looping\n", &stack).await;
    let answer = stack
        .post_json(&format!("/api/run/{id}/cancel"), &json!({}), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["cancelRequested"], true, "{}", answer.body);
    let rest = w.until_close(&stack).await;
    assert_eq!(
        rest.result()["status"],
        "cancelled",
        "{}\n{}",
        rest.result(),
        stack.logs()
    );
    // Cancelling a finished job changes nothing.
    let again = stack
        .post_json(&format!("/api/run/{id}/cancel"), &json!({}), None)
        .await;
    assert_eq!(again.body["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_job_leaves_it_runner_lost_and_no_sandbox_process_behind() {
    if !sandbox_available() {
        return;
    }
    let mut stack = Stack::full(opts().env("SANDPIT_LEASE_SECS", &SHORT_LEASE_SECS.to_string()));
    // The program replaces itself with a sleeper whose command line carries a marker,
    // so the host's process table shows whether any of the job survived.
    let mark = marker("e2e-sleeper-");
    let program = format!(
        "import os, sys\nprint('started', flush=True)\n\
         os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', '{mark}'])\n"
    );
    let id = stack.submit(&code(&program)).await;
    let mut w = stack.watch(&id).await;
    // Unbuffered, print writes the text and the newline separately: wait for both,
    // so everything the program wrote has reached the server before the kill.
    w.until_stdout("started\n", &stack).await;
    assert!(
        eventually(Duration::from_secs(10), || !processes_with(&mark)
            .is_empty()),
        "the sleeper never showed on the host\n{}",
        stack.logs()
    );
    let runner = stack.runner.take().expect("runner");
    let family = descendants(runner.pid());
    assert!(
        family.len() >= 3,
        "expected helper, sandbox init and sleeper under the runner: {family:?}"
    );

    drop(runner); // SIGKILL, reaped
    let killed_at = Instant::now();
    let rest = w.until_close(&stack).await;
    let waited = killed_at.elapsed();

    let result = rest.result();
    assert_eq!(result["status"], "internal_error", "{result}");
    assert_eq!(result["message"], "runner lost", "{result}");
    assert_eq!(
        result["stdout"], "started\n",
        "output pushed before the kill is kept"
    );
    assert_result_record(result, "python-basic");
    // Bounded by the lease (plus generous slack for a loaded machine), never stuck.
    assert!(
        waited < Duration::from_secs(SHORT_LEASE_SECS + 10),
        "the job became final only after {waited:?}"
    );
    assert_eq!(stack.job(&id).await["status"], "internal_error");

    // Nothing of the job lives on: the helper had PDEATHSIG, the sandbox's init dies
    // with it and takes the whole PID namespace along.
    assert!(
        eventually(Duration::from_secs(10), || processes_with(&mark).is_empty()),
        "a sandbox process of the killed job survived: {:?}",
        processes_with(&mark)
    );
    let survivors: Vec<_> = family.into_iter().filter(|p| alive(*p)).collect();
    assert!(
        survivors.is_empty(),
        "processes the runner started outlived it: {survivors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_and_restarted_runs_queued_jobs_and_serves_finished_results() {
    if !sandbox_available() {
        return;
    }
    let mut stack = Stack::full(opts());
    let (done_id, done) = stack.run(&code("print('finished before the crash')")).await;
    assert_eq!(done.result()["status"], "ok", "{}", stack.logs());

    // No runner: the next job stays queued while the server is killed.
    let mut runner = stack.runner.take().expect("runner");
    runner.signal(Signal::SIGTERM);
    assert!(runner.wait_exit().success(), "{}", runner.log_text());
    let queued_id = stack
        .submit(&code("print('queued across the crash')"))
        .await;
    assert_eq!(stack.job(&queued_id).await["status"], "queued");
    stack.kill_server();
    stack.start_server();

    let finished = stack.job(&done_id).await;
    assert_eq!(finished["status"], "ok");
    assert_eq!(
        &finished["result"],
        done.result(),
        "the finished record survives"
    );
    let replay = stack.watch(&done_id).await.until_close(&stack).await;
    assert_eq!(replay.frames, done.frames, "the whole log survives too");
    assert_eq!(stack.job(&queued_id).await["status"], "queued");

    stack.start_runner(&[]);
    let after = stack.watch(&queued_id).await.until_close(&stack).await;
    assert_eq!(after.result()["status"], "ok", "{}", stack.logs());
    assert_eq!(after.text("stdout"), "queued across the crash\n");
    assert_numbered(&after.frames);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runner_endpoints_refuse_a_wrong_or_missing_token_with_401() {
    let stack = Stack::server(opts());
    let job = "AAAAAAAAAAAAAAAAAAAAAA";
    let lease = json!({"leaseId": "AAAAAAAAAAAAAAAAAAAAAA"});
    let claim = json!({"runnerId": "e2e", "hostname": "e2e", "profiles": ["python-basic"], "waitSeconds": 0});
    for token in [Some("not-the-token"), Some(""), None] {
        let posts = [
            ("/api/runner/jobs/claim".to_string(), claim.clone()),
            (format!("/api/runner/jobs/{job}/lease"), lease.clone()),
            (
                format!("/api/runner/jobs/{job}/events"),
                json!({"leaseId": "x", "events": []}),
            ),
            (
                format!("/api/runner/jobs/{job}/result"),
                json!({"leaseId": "x", "result": {}}),
            ),
        ];
        for (path, body) in posts {
            let a = stack.post_json(&path, &body, token).await;
            a.assert_error(401, "unauthorized");
            assert!(
                a.headers.contains_key("www-authenticate"),
                "{path}: {:?}",
                a.headers
            );
        }
        let mut req = stack.http.get(stack.url(&format!(
            "/api/runner/jobs/{job}/control?leaseId=x&after=0&waitSeconds=0"
        )));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let status = req.send().await.expect("control request").status();
        assert_eq!(status, 401, "control with token {token:?}");
    }
    // The right token gets through (no job queued: 204 at once).
    let ok = stack
        .post_json("/api/runner/jobs/claim", &claim, Some(TOKEN))
        .await;
    assert_eq!(ok.status, 204, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_runner_with_a_wrong_token_gets_no_job() {
    if !sandbox_available() {
        return;
    }
    let mut stack = Stack::server(opts());
    stack.start_runner(&[("RUNNER_ACCESS_TOKEN", "not-the-token")]);
    let id = stack.submit(&code("print('never runs')")).await;
    let runner = stack.runner.as_ref().expect("runner");
    assert!(
        eventually(Duration::from_secs(30), || runner
            .log_text()
            .contains("401")),
        "the runner should report the refusal\n{}",
        stack.logs()
    );
    assert_eq!(stack.job(&id).await["status"], "queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_runs_get_a_clear_4xx_with_an_error_body() {
    let stack = Stack::server(opts().env("SANDPIT_RATE_LIMIT_PER_MINUTE", "0"));
    stack
        .post_run_raw("{\"code\": ", "application/json")
        .await
        .assert_error(400, "malformed_json");
    stack
        .post_run_raw("print(1)", "text/plain")
        .await
        .assert_error(415, "unsupported_media_type");
    stack
        .post_run(&json!({"program": "print(1)"}))
        .await
        .assert_error(422, "invalid_request");
    stack
        .post_run(&json!({"code": "print(1)", "profile": "no-such-profile"}))
        .await
        .assert_error(404, "unknown_profile");
    stack
        .post_run(&json!({"code": "print(1)", "profile": "../policies/python-basic"}))
        .await
        .assert_error(404, "unknown_profile");
    stack
        .post_run(&json!({"code": "print(1)", "lang": "fr"}))
        .await
        .assert_error(422, "invalid_lang");
    stack
        .post_run(&json!({"code": "print(1)", "sessionId": "../../etc"}))
        .await
        .assert_error(422, "invalid_session_id");

    // A body over the 8 MiB limit, and a program over the 1 MiB limit.
    let huge = format!("{{\"code\": \"{}\"}}", "x".repeat(9 << 20));
    stack
        .post_run_raw(huge, "application/json")
        .await
        .assert_error(413, "body_too_large");
    stack
        .post_run(&json!({"code": "#".repeat((1 << 20) + 1)}))
        .await
        .assert_error(413, "code_too_large");

    let long_name = "a".repeat(101);
    for name in [
        "../escape.txt",
        "/etc/passwd",
        "dir/file.txt",
        "dir\\file.txt",
        "nul\0byte",
        "bell\u{7}",
        "",
        ".",
        "..",
        long_name.as_str(),
    ] {
        let body = json!({"code": "print(1)", "files": [{"name": name, "content": "x"}]});
        let a = stack.post_run(&body).await;
        a.assert_error(422, "invalid_file_name");
    }
    stack
        .post_run(&json!({"code": "print(1)", "files": [
            {"name": "a.txt", "content": "1"}, {"name": "a.txt", "content": "2"}]}))
        .await
        .assert_error(422, "duplicate_file_name");
    stack
        .post_run(&json!({"code": "print(1)", "files": [
            {"name": "a.bin", "content": "!!!", "encoding": "base64"}]}))
        .await
        .assert_error(422, "invalid_base64");
    stack
        .get("/api/run/AAAAAAAAAAAAAAAAAAAAAA")
        .await
        .assert_error(404, "job_not_found");
    // The server is still healthy after all that.
    assert_eq!(stack.get("/healthz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_runs_from_one_address_get_429_with_retry_after() {
    let stack = Stack::server(
        opts()
            .env("SANDPIT_RATE_LIMIT_PER_MINUTE", "2")
            .env("SANDPIT_RATE_LIMIT_BURST", "2"),
    );
    for _ in 0..2 {
        stack.submit(&code("print(1)")).await;
    }
    let refused = stack.post_run(&code("print(1)")).await;
    refused.assert_error(429, "rate_limited");
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("Retry-After is whole seconds");
    assert!(retry >= 1, "Retry-After {retry}");

    let stack = Stack::server(
        opts()
            .env("SANDPIT_RATE_LIMIT_PER_MINUTE", "0")
            .env("SANDPIT_MAX_ACTIVE_JOBS_PER_IP", "1"),
    );
    stack.submit(&code("print(1)")).await;
    let refused = stack.post_run(&code("print(2)")).await;
    refused.assert_error(429, "too_many_active_jobs");
    assert!(refused.headers.contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_memory_carries_files_to_the_next_run_but_never_symlinks() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let session = marker("e2e-session-");
    let first = "import os\n\
        with open('score.txt', 'w') as f:\n    f.write('42')\n\
        os.symlink('score.txt', 'link-to-score.txt')\n\
        os.symlink('/etc/shadow', 'shadow.txt')\n\
        os.mkdir('folder')\n\
        print('saved')\n";
    let (_, one) = stack
        .run(&json!({"code": first, "sessionId": session}))
        .await;
    assert_eq!(
        one.result()["status"],
        "ok",
        "{}\n{}",
        one.result(),
        stack.logs()
    );

    let listing = stack.get(&format!("/api/sessions/{session}/files")).await;
    assert_eq!(listing.status, 200, "{}", listing.body);
    let names: Vec<&str> = listing.body["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["score.txt"], "only the regular file is stored");

    let second = "import os\n\
        print('score', open('score.txt').read())\n\
        print('links', os.path.lexists('link-to-score.txt'), os.path.lexists('shadow.txt'))\n";
    let (_, two) = stack
        .run(&json!({"code": second, "sessionId": session}))
        .await;
    assert_eq!(two.result()["status"], "ok", "{}", two.result());
    assert_eq!(two.result()["stdout"], "score 42\nlinks False False\n");

    // Another session sees nothing of it.
    let (_, other) = stack
        .run(&json!({"code": "import os\nprint(os.path.exists('score.txt'))", "sessionId": marker("e2e-other-")}))
        .await;
    assert_eq!(other.result()["stdout"], "False\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_sent_with_the_run_are_in_the_work_dir() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program = "import os\n\
        print(open('data.csv').read(), end='')\n\
        print(list(open('blob.bin', 'rb').read()))\n\
        print(open('名字.txt', encoding='utf-8').read())\n\
        print(sorted(os.listdir('.')))\n";
    let body = json!({"code": program, "files": [
        {"name": "data.csv", "content": "x,y\n1,2\n"},
        {"name": "blob.bin", "content": BASE64.encode([0u8, 1, 2, 255]), "encoding": "base64"},
        {"name": "名字.txt", "content": "你好"},
    ]});
    let (_, stream) = stack.run(&body).await;
    let result = stream.result();
    assert_eq!(result["status"], "ok", "{result}\n{}", stack.logs());
    assert_eq!(
        result["stdout"],
        "x,y\n1,2\n[0, 1, 2, 255]\n你好\n['blob.bin', 'data.csv', 'main.py', '名字.txt']\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncaught_error_streams_a_friendly_explanation_in_the_jobs_language() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program = "print('before')\nprint(scroe)\n";
    for lang in ["en", "zh-CN"] {
        let (_, stream) = stack.run(&json!({"code": program, "lang": lang})).await;
        let result = stream.result();
        assert_eq!(result["status"], "error", "{result}\n{}", stack.logs());
        assert_eq!(result["exit_code"], 1);
        assert_eq!(result["stdout"], "before\n");
        let stderr = result["stderr"].as_str().expect("stderr");
        assert!(
            stderr.starts_with("Traceback") && stderr.contains("NameError"),
            "the raw traceback stays as Python wrote it: {stderr}"
        );
        let explained = stream.of_type("explanation");
        assert_eq!(
            explained.len(),
            1,
            "one explanation frame: {:?}",
            stream.frames
        );
        let e = explained[0];
        assert_eq!(e["lang"], lang);
        assert_eq!(e["error"], "NameError");
        assert_eq!(e["line"], 2);
        assert!(e["title"].as_str().is_some_and(|t| !t.is_empty()), "{e}");
        assert!(e["message"].as_str().is_some_and(|t| !t.is_empty()), "{e}");
        assert_eq!(
            result["explanation"],
            without_seq(e),
            "the record holds it too"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turtle_drawings_stream_as_visualization_frames() {
    if !sandbox_available() {
        return;
    }
    let stack = Stack::full(opts());
    let program = "import turtle\nt = turtle.Turtle()\nt.forward(50)\nt.left(90)\nt.forward(50)\nturtle.done()\n";
    let (_, stream) = stack.run(&code(program)).await;
    let result = stream.result();
    assert_eq!(result["status"], "ok", "{result}\n{}", stack.logs());
    let drawn: Vec<Value> = stream
        .of_type("visualization")
        .into_iter()
        .map(without_seq)
        .collect();
    assert!(!drawn.is_empty(), "frames: {:?}", stream.frames);
    assert!(drawn.iter().all(|v| v["kind"] == "turtle"), "{drawn:?}");
    // On the stream `seq` is the server's log number; the record keeps the runtime's
    // own per-program numbering (docs/visualization.md), so compare without it.
    let recorded: Vec<Value> = result["visualizations"]
        .as_array()
        .expect("visualizations")
        .iter()
        .map(without_seq)
        .collect();
    assert_eq!(recorded, drawn, "the record lists what was streamed");
    let ops = drawn[0]["ops"].as_array().expect("ops");
    assert!(
        ops.iter().any(|op| op[0] == "line"),
        "forward() drew a line: {ops:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_within_the_policys_largest_limit_is_delivered_whole() {
    if !sandbox_available() {
        return;
    }
    // A policy may allow up to 64 MiB of output (the validator's maximum). 40 MiB is
    // within it and within the server's job log (64 MiB), so the job must end `ok`.
    let policies = derived_policies("e2e-big-output", &[("output_kib", "65536")]);
    let stack = Stack::full(
        opts()
            .policies(policies.path())
            .env("SANDPIT_LEASE_SECS", &SHORT_LEASE_SECS.to_string()),
    );
    const MIB: usize = 40;
    let program = format!(
        "import sys\nchunk = 'x' * 65535 + '\\n'\nfor _ in range({}):\n    sys.stdout.write(chunk)\n",
        MIB * 16
    );
    let (_, stream) = stack
        .run(&json!({"code": program, "profile": "e2e-big-output"}))
        .await;
    let result = stream.result();
    assert_eq!(
        stream.text("stdout").len(),
        MIB << 20,
        "the stream has it all"
    );
    assert_eq!(
        result["status"],
        "ok",
        "message {:?}, stdout bytes in the record {:?}\n{}",
        result["message"],
        result["stdout"].as_str().map(str::len),
        stack.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_job_finish_then_the_runner_exits_0() {
    if !sandbox_available() {
        return;
    }
    let mut stack = Stack::full(opts());
    let program = "import time\nprint('started', flush=True)\ntime.sleep(1.5)\nprint('finished')\n";
    let id = stack.submit(&code(program)).await;
    let mut w = stack.watch(&id).await;
    w.until_stdout("started", &stack).await;
    stack
        .runner
        .as_ref()
        .expect("runner")
        .signal(Signal::SIGTERM);
    let rest = w.until_close(&stack).await;
    assert_eq!(
        rest.result()["status"],
        "ok",
        "{}\n{}",
        rest.result(),
        stack.logs()
    );
    assert_eq!(rest.result()["stdout"], "started\nfinished\n");
    let mut runner = stack.runner.take().expect("runner");
    let status = runner.wait_exit();
    assert_eq!(status.code(), Some(0), "{}", runner.log_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_does_not_wait_for_an_idle_long_poll() {
    if !sandbox_available() {
        return;
    }
    // The server holds claims for a minute; the runner must not sit that out (nor
    // its own 20 s claim wait) before exiting: the claim in flight is abandoned.
    let mut stack = Stack::full(StackOpts::default().env("SANDPIT_LONG_POLL_SECS", "60"));
    let id = stack.submit(&code("print('ready')")).await;
    let mut w = stack.watch(&id).await;
    let done = w.until_close(&stack).await;
    assert_eq!(done.result()["status"], "ok", "{}", stack.logs());
    // The runner is now parked in a fresh long poll with nothing queued.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut runner = stack.runner.take().expect("runner");
    runner.signal(Signal::SIGTERM);
    let status = runner.wait_exit_within(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", runner.log_text());
}
