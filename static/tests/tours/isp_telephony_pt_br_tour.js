/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The main screens in Portuguese (Brazil), run by tests/test_pt_br_tour.py
// for a user whose language is pt_BR: menus, lists and forms show the seeds'
// vocabulary (Linha SIP, Número para binagem, Partição, Categoria,
// Vencimento, Integração VoIP, Range de números, Chamadas).

import { registry } from "@web/core/registry";

function openMenu(section, sectionText, item, itemText) {
    return [
        {
            content: `Open the ${sectionText} menu`,
            trigger: `.o_menu_sections button[data-menu-xmlid='isp_telephony.${section}']:contains(${sectionText})`,
            run: "click",
        },
        {
            content: `Choose ${itemText}`,
            trigger: `.dropdown-item[data-menu-xmlid='isp_telephony.${item}']:contains(${itemText})`,
            run: "click",
        },
    ];
}

const OPERATIONS = ["menu_telephony_operations", "Operações"];
const CONFIGURATION = ["menu_telephony_configuration", "Configuração"];

registry.category("web_tour.tours").add("isp_telephony_pt_br", {
    steps: () => [
        {
            content: "The app is called Telefonia",
            trigger: ".o_main_navbar .o_menu_brand:contains(Telefonia)",
        },
        ...openMenu(...OPERATIONS, "menu_isp_sip_line", "Linhas SIP"),
        {
            content: "The SIP lines list speaks the seeds' vocabulary",
            trigger: ".o_list_view th:contains(Número para binagem)",
        },
        {
            content: "The Categoria column",
            trigger: ".o_list_view th:contains(Categoria)",
        },
        {
            content: "Open the bakery's line",
            trigger: ".o_data_row .o_data_cell:contains(Balcão)",
            run: "click",
        },
        {
            content: "The line's form: Partição",
            trigger: ".o_form_view label:contains(Partição)",
        },
        {
            content: "The line's form: Vencimento",
            trigger: ".o_form_view label:contains(Vencimento)",
        },
        {
            content: "The line's form: Código da conta",
            trigger: ".o_form_view label:contains(Código da conta)",
        },
        ...openMenu(...CONFIGURATION, "menu_isp_telephony_integration", "Integrações VoIP"),
        {
            content: "The VoIP integrations list",
            trigger: ".o_breadcrumb:contains(Integrações VoIP)",
        },
        {
            content: "Open the Summit integration",
            trigger: ".o_data_row .o_data_cell:contains(Summit Networks)",
            run: "click",
        },
        {
            content: "The integration's access data in Portuguese",
            trigger: ".o_form_view label:contains(Período de importação CDR)",
        },
        ...openMenu(...CONFIGURATION, "menu_isp_number_range", "Ranges de números"),
        {
            content: "The number ranges",
            trigger: ".o_list_view .o_data_cell:contains(São Paulo 3500-xxxx)",
        },
        {
            content: "Breadcrumb in Portuguese",
            trigger: ".o_breadcrumb:contains(Ranges de números)",
        },
        ...openMenu(...OPERATIONS, "menu_isp_cdr", "Chamadas"),
        {
            content: "The calls list with its Portuguese filters",
            trigger: ".o_breadcrumb:contains(Chamadas)",
        },
        {
            content: "Calls list columns",
            trigger: ".o_list_view th:contains(Segundos faturáveis)",
        },
    ],
});
