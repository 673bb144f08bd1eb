//! `man/` is generated from the CLI definition; this test fails when it is stale.
//! Regenerate with `ALF_UPDATE_MAN=1 cargo test --test man`.

use clap::CommandFactory;

fn render(cmd: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .expect("render man page");
    out
}

#[test]
fn man_pages_are_current() {
    let root = alf::cli::Cli::command();
    let mut pages = vec![("alf.1".to_string(), render(root.clone()))];
    for sub in root.get_subcommands() {
        let name = format!("alf-{}", sub.get_name());
        pages.push((format!("{name}.1"), render(sub.clone().name(name))));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let update = std::env::var_os("ALF_UPDATE_MAN").is_some();
    for (file, text) in pages {
        let path = dir.join(&file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == text,
            "man/{file} is stale: run ALF_UPDATE_MAN=1 cargo test --test man"
        );
    }
}
