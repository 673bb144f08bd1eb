//! `man/` is generated from the CLI definition; this test fails when it is stale.
//! Regenerate with `ALF_UPDATE_MAN=1 cargo test --test man`.

use clap::CommandFactory;

#[test]
fn man_pages_are_current() {
    let pages = alf::report::reference::man_pages(alf::cli::Cli::command());
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
        // Every page a page names exists.
        let roff = String::from_utf8_lossy(&text).replace("\\-", "-");
        for name in roff
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '(' || c == ')'))
            .filter_map(|w| w.strip_suffix("(1)"))
            .filter(|w| w.starts_with("alf"))
        {
            let named = dir.join(format!("{name}.1"));
            assert!(
                update || named.exists(),
                "{file} names {name}(1), which has no page"
            );
        }
        assert!(
            on_disk == text,
            "man/{file} is stale: run ALF_UPDATE_MAN=1 cargo test --test man"
        );
    }
}
