//! Saves that cannot destroy what was there: `io::save` and the PNG writers write a temporary
//! file, sync it and rename it over the target. Two attacks:
//!
//! * a full disk — a 512 KiB tmpfs (mounted by the test; needs root, as CI has), filled up,
//!   then a save of a model that no longer fits: the save fails, the old model loads intact;
//! * a kill at any moment — a child process saves two models in turn, as fast as it can, and
//!   is killed with SIGKILL after a random delay, many times: every time the file loads and
//!   holds one of the two models, whole.
//!
//! Run with `--nocapture` to see the counts.
#![cfg(all(feature = "safetensors", unix))]

use deepmultinet::prelude::*;
use deepmultinet::{Network, io};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

type Net = Network<SoftmaxCrossEntropy<f32>>;

fn net(hidden: usize, seed: u64) -> Net {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Network::builder(784)
        .hidden(hidden, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A tmpfs of `bytes` mounted on a fresh directory, unmounted on drop.
struct TinyDisk {
    dir: PathBuf,
    _keep: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(bytes: usize) -> Option<TinyDisk> {
        let keep = tempfile::tempdir().ok()?;
        let dir = keep.path().join("disk");
        std::fs::create_dir(&dir).ok()?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(TinyDisk { dir, _keep: keep }),
            Ok(o) => Self::skip(&String::from_utf8_lossy(&o.stderr)),
            Err(e) => Self::skip(&e.to_string()),
        }
    }
    fn skip(why: &str) -> Option<TinyDisk> {
        let msg = format!(
            "full-disk test skipped: cannot mount a tmpfs ({})",
            why.trim()
        );
        assert!(!under_ci(), "{msg}");
        eprintln!("{msg}");
        None
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// Fills the file system holding `dir` until a write fails.
fn fill(dir: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(dir.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).and_then(|()| f.sync_all()).is_ok() {}
}

#[test]
fn a_full_disk_leaves_the_old_model_and_picture_intact() {
    let Some(disk) = TinyDisk::mount(512 * 1024) else {
        return;
    };
    let path = disk.dir.join("model.safetensors");
    let old = net(8, 1); // 63.6k parameters: 254 KB
    io::save(&old, &path).unwrap();
    fill(&disk.dir);
    let new = net(16, 2); // twice as large: cannot fit any more
    let err = io::save(&new, &path).unwrap_err();
    println!("save on a full disk: {err}");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let back: Net = io::load(&path).unwrap();
    assert_eq!(bits(back.params()), bits(old.params()));
    let left: Vec<_> = std::fs::read_dir(&disk.dir).unwrap().flatten().collect();
    assert_eq!(
        left.len(),
        2,
        "only the model and the filler remain: {left:?}"
    );

    #[cfg(feature = "plot")]
    {
        std::fs::remove_file(disk.dir.join("filler")).unwrap();
        let png = disk.dir.join("units.png");
        let units = deepmultinet::inspect::hidden_unit_images(
            &old,
            deepmultinet::data::ImageShape::row_major(28, 28),
        )
        .unwrap();
        let opts = deepmultinet::plot::GridOptions::diverging().columns(4);
        deepmultinet::plot::image_grid(&png, &units, &opts).unwrap();
        let before = std::fs::read(&png).unwrap();
        fill(&disk.dir);
        let big = deepmultinet::inspect::hidden_unit_images(
            &new,
            deepmultinet::data::ImageShape::row_major(28, 28),
        )
        .unwrap();
        let err = deepmultinet::plot::image_grid(&png, &big, &opts.columns(8)).unwrap_err();
        println!("picture on a full disk: {err}");
        assert_eq!(
            std::fs::read(&png).unwrap(),
            before,
            "the old picture is intact"
        );
    }
}

/// The child's side of the kill test: saves `a` and `b` to the path in the environment, in
/// turn, until killed.
#[test]
#[ignore = "run by saves_survive_kill_at_any_moment as a child process"]
fn child_saves_forever() {
    let Some(path) = std::env::var_os("DEEPMULTINET_SAVE_CHILD") else {
        return;
    };
    let (a, b) = (net(128, 10), net(128, 11));
    loop {
        io::save(&a, &path).unwrap();
        io::save(&b, &path).unwrap();
    }
}

#[test]
fn saves_survive_kill_at_any_moment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let (a, b) = (net(128, 10), net(128, 11)); // 101.8k parameters: 407 KB each
    io::save(&a, &path).unwrap();
    let (ba, bb) = (bits(a.params()), bits(b.params()));
    let exe = std::env::current_exe().unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let rounds = 40;
    let (mut as_a, mut as_b, mut mid_save) = (0, 0, 0);
    for _ in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_saves_forever",
                "--ignored",
                "--test-threads=1",
            ])
            .env("DEEPMULTINET_SAVE_CHILD", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(20..120)));
        child.kill().unwrap(); // SIGKILL: no destructor, no cleanup
        child.wait().unwrap();
        let back: Net = io::load(&path).unwrap_or_else(|e| panic!("the file is broken: {e}"));
        let got = bits(back.params());
        if got == ba {
            as_a += 1;
        } else if got == bb {
            as_b += 1;
        } else {
            panic!("the file holds neither model");
        }
        // A temporary file left behind means the kill landed in the middle of a save.
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if entry.path() != path {
                mid_save += 1;
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
    }
    println!(
        "kill during saves: {rounds} kills, the file loaded whole every time ({as_a} × model a, \
         {as_b} × model b); {mid_save} kills landed in the middle of a save"
    );
    assert_eq!(as_a + as_b, rounds);
    assert!(
        mid_save > 0,
        "no kill hit a save in progress: the test proved nothing"
    );
}
