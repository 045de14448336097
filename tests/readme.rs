//! The README's key table is generated from the keymap; this keeps it honest.

use tackroom::tui::keymap::Keymap;

const BEGIN: &str = "<!-- keys:begin -->\n";
const END: &str = "<!-- keys:end -->";

#[test]
fn readme_key_table_matches_the_default_keymap() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    let expected = Keymap::default().markdown_table();
    if std::env::var_os("TACKROOM_PRINT_KEYS").is_some() {
        println!("{expected}");
    }
    let start = readme.find(BEGIN).expect("README has a keys:begin marker") + BEGIN.len();
    let end = readme.find(END).expect("README has a keys:end marker");
    assert_eq!(
        &readme[start..end],
        expected,
        "README key table is stale; run TACKROOM_PRINT_KEYS=1 cargo test --test readme -- --nocapture and paste the table"
    );
}
