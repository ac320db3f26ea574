/*
 * The sipsim command line, with CLI11: subcommands, their options with descriptions and
 * defaults (`sipsim <command> --help`), `--version`, and errors that name the offending
 * argument and suggest the closest valid one. Usage errors exit 2.
 */
#include "commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {

namespace {

const char* const kExitCodes = "exit codes:\n"
                               "  0    success (run: every expectation holds)\n"
                               "  1    run: an expectation is violated; parse: a message is "
                               "invalid; profile: a profile does not load\n"
                               "  2    a usage error, an invalid scenario, or a file that "
                               "cannot be read\n"
                               "  3    run: the outputs cannot be written\n"
                               "  130  run: stopped by SIGINT or SIGTERM (the trace is valid "
                               "and marked incomplete)\n";

std::string
VersionText()
{
    return std::string("sipsim ") + SIPSIM_VERSION + " (commit " + SIPSIM_COMMIT + ", ns-3 "
           + SIPSIM_NS3_VERSION + ")";
}

/// Levenshtein distance, for suggestions.
size_t
Distance(const std::string& a, const std::string& b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
    {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i)
    {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
        {
            const size_t above = row[j];
            row[j]
                = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// The valid word closest to `word` (a prefix of it, or a few edits away); "" when none is.
std::string
Closest(const std::string& word, const std::vector<std::string>& valid)
{
    std::string best;
    if (word.size() < 3)
    {
        return best;
    }
    size_t bestDistance = std::max<size_t>(1, word.size() / 3) + 1;
    for (const std::string& candidate : valid)
    {
        const bool prefix = word.size() > 3 && candidate.size() > 3
                            && (word.rfind(candidate, 0) == 0 || candidate.rfind(word, 0) == 0);
        const size_t d = prefix ? 1 : Distance(word, candidate);
        if (d < bestDistance)
        {
            bestDistance = d;
            best = candidate;
        }
    }
    return best;
}

/// The option names and subcommand names of `app`, as a user would type them.
std::vector<std::string>
ValidWords(const CLI::App& app)
{
    std::vector<std::string> words;
    for (const CLI::Option* option : app.get_options())
    {
        for (const std::string& name : option->get_lnames())
        {
            words.push_back("--" + name);
        }
        for (const std::string& name : option->get_snames())
        {
            words.push_back("-" + name);
        }
    }
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    {
        words.push_back(sub->get_name());
    }
    return words;
}

/// The deepest subcommand the user named (the application itself when none).
const CLI::App*
Selected(const CLI::App& app)
{
    const CLI::App* at = &app;
    for (;;)
    {
        const auto parsed = at->get_subcommands();
        if (parsed.empty())
        {
            return at;
        }
        at = parsed.front();
    }
}

/// Prints a usage error the way a user can act on: what is wrong, a suggestion, where help is.
int
UsageError(const CLI::App& app, const CLI::ParseError& error, const std::vector<std::string>& args)
{
    const CLI::App* selected = Selected(app);
    std::string command = "sipsim";
    for (const CLI::App* at = selected; at != nullptr && at != &app; at = at->get_parent())
    {
        command.insert(6, " " + at->get_name());
    }
    std::cerr << command << ": " << error.what() << "\n";
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr)
    {
        // The first argument nothing took: suggest the closest option or subcommand.
        const std::vector<std::string> valid = ValidWords(*selected);
        for (const std::string& arg : args)
        {
            const std::string word = arg.substr(0, arg.find('='));
            if (std::find(valid.begin(), valid.end(), word) != valid.end()
                || std::string(error.what()).find(arg) == std::string::npos)
            {
                continue; // a valid word, or not one the error names
            }
            const std::string suggestion = Closest(word, valid);
            if (!suggestion.empty())
            {
                std::cerr << "  did you mean " << suggestion << "?\n";
            }
            break;
        }
    }
    std::cerr << "run '" << command << " --help' for the options\n";
    return 2;
}

} // namespace

int
RunCommandLine(int argc, char** argv)
{
    CLI::App app{"sipsim: a discrete-event simulator of SIP (RFC 3261) networks on ns-3.",
                 "sipsim"};
    app.set_version_flag("--version,-V", VersionText(),
                         "Print the version, commit and ns-3 version");
    app.footer(kExitCodes);
    app.require_subcommand(1);
    int status = 0;

    // --- parse -------------------------------------------------------------------------------
    std::vector<std::string> parseFiles;
    bool parseJson = false;
    CLI::App* parse = app.add_subcommand(
        "parse", "Parse raw SIP messages (UDP datagram framing): print the canonical form, or "
                 "the fault and the response a server answers (exit 1 when one is invalid)");
    parse->add_option("FILE", parseFiles, "Message files; - reads standard input")->required();
    parse->add_flag("--json", parseJson, "One JSON object per file instead of text");
    parse->callback([&] { status = RunParse(parseFiles, parseJson); });

    // --- profile -----------------------------------------------------------------------------
    CLI::App* profile
        = app.add_subcommand("profile", "Check device behaviour profiles, or write one's "
                                        "compliance page");
    profile->require_subcommand(1);
    std::vector<std::string> checkProfiles;
    CLI::App* check = profile->add_subcommand(
        "check", "Load each profile (a name in profiles/ or a .textproto path) and summarize it");
    check->add_option("PROFILE", checkProfiles, "Profile names or files")->required();
    check->callback([&] { status = RunProfileCheck(checkProfiles); });
    std::string docProfile;
    std::string docOut;
    CLI::App* doc = profile->add_subcommand("doc", "Write a profile's compliance page (Markdown)");
    doc->add_option("PROFILE", docProfile, "Profile name or file")->required();
    doc->add_option("-o,--output", docOut, "Write the page to this file; default: standard output");
    doc->callback([&] { status = RunProfileDoc(docProfile, docOut); });

    // --- validate ----------------------------------------------------------------------------
    std::string validateFile;
    std::vector<std::string> validateSets;
    CLI::App* validate = app.add_subcommand(
        "validate", "Check a scenario as `run` would before its first event (the network and "
                    "devices built), without simulating: exit 0, or 2 with file:line:col errors");
    validate
        ->add_option("SCENARIO", validateFile, "Scenario file (text format, or JSON for *.json)")
        ->required();
    validate->add_option("--set", validateSets, "Override a field: path=value (repeatable)")
        ->type_name("PATH=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    validate->callback([&] { status = RunValidate(validateFile, validateSets); });

    // --- run ---------------------------------------------------------------------------------
    RunArgs runArgs;
    std::string runOut = "sipsim-out";
    CLI::App* run = app.add_subcommand(
        "run", "Run a scenario: trace.pb, summary.json and the console summary; exit 1 when an "
               "expectation is violated");
    run->add_option("SCENARIO", runArgs.scenarioFile,
                    "Scenario file (text format, or JSON for *.json)")
        ->required();
    run->add_option("--set", runArgs.overrides, "Override a field: path=value (repeatable)")
        ->type_name("PATH=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    run->add_option("--seed", runArgs.seed, "Replace the scenario's seed")->type_name("N");
    run->add_option("--run", runArgs.run, "Replace the scenario's run number")->type_name("N");
    run->add_option("--out", runOut, "Output folder (created if missing)")
        ->type_name("DIR")
        ->capture_default_str();
    run->add_flag("--force", runArgs.force,
                  "Replace the contents of a non-empty output folder (else refused)");
    run->add_flag("--pcap", runArgs.pcap, "Write a pcap per node device (Wireshark reads SIP)");
    run->add_option("--junit", runArgs.junitFile, "Write the expectations as a JUnit report")
        ->type_name("FILE");
    run->add_option("--stats", runArgs.statsFile,
                    "Write the stats CSV there (a row per outputs.sample_interval_s)")
        ->type_name("FILE");
    bool noProgress = false;
    run->add_flag("--no-progress", noProgress, "No progress line on the terminal");
    run->callback([&] {
        runArgs.outDir = runOut;
        runArgs.progress = !noProgress;
        status = RunRun(runArgs);
    });

    // --- attributes --------------------------------------------------------------------------
    std::string kind;
    CLI::App* attributes = app.add_subcommand(
        "attributes", "List the ns-3 attributes a scenario's groups[i].attributes may set on a "
                      "node model, with type, default and help (queue: a proxy's capacity model)");
    attributes->add_option("KIND", kind, "The node model")
        ->required()
        ->check(CLI::IsMember(AttributeKinds()));
    attributes->callback([&] { status = RunAttributes(kind); });

    // --- help, version: the words, besides the options (handled before parsing) --------------
    app.add_subcommand("help", "Print this help (as --help)");
    app.add_subcommand("version", "Print the version (as --version)");

    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && args[0] == "help")
    {
        std::cout << app.help();
        return 0;
    }
    if (args.size() == 1 && args[0] == "version")
    {
        std::cout << VersionText() << "\n";
        return 0;
    }
    // A first word that names no command (CLI11 would only say that one is required).
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    {
        commands.push_back(sub->get_name());
    }
    if (!args.empty() && !args[0].empty() && args[0][0] != '-'
        && std::find(commands.begin(), commands.end(), args[0]) == commands.end())
    {
        std::cerr << "sipsim: unknown command '" << args[0] << "'\n";
        const std::string suggestion = Closest(args[0], commands);
        if (!suggestion.empty())
        {
            std::cerr << "  did you mean " << suggestion << "?\n";
        }
        std::cerr << "run 'sipsim --help' for the commands\n";
        return 2;
    }
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::CallForHelp& e)
    {
        return app.exit(e);
    }
    catch (const CLI::CallForAllHelp& e)
    {
        return app.exit(e);
    }
    catch (const CLI::CallForVersion& e)
    {
        return app.exit(e);
    }
    catch (const CLI::ParseError& e)
    {
        return UsageError(app, e, args);
    }
    return status;
}

} // namespace cli
} // namespace sipsim
